//! What every `/v1/hcp` and `/v1/admin` handler shares: the account behind a bearer token
//! (re-authorised inside each handler's transaction-bound work, so a disabled account or
//! a provider that left stops working at once), and the shapes of a patient reference.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, FromRequest, HttpRequest};
use ehealth_core::actions::accounts::{self, Staff, SESSION_KIND};
use ehealth_core::actions::counter_consent::PatientRef;
use ehealth_core::db::accounts::Account;
use ehealth_core::db::DbConn;
use ehealth_core::domain::AccountRole;
use ehealth_core::ids::{EhrNumber, IdentityDocument};
use ehealth_core::{CoreError, CoreResult};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::auth::Bearer;
use crate::http::errors::ApiError;

/// A request from a signed-in account (not a patient).
#[derive(Debug, Clone)]
pub struct AccountSession {
    pub account_id: String,
}

impl AccountSession {
    /// The account as it is now, with `role`, at a provider (or the Office) that can act.
    pub fn authorise(&self, conn: &mut DbConn, role: AccountRole) -> CoreResult<Staff> {
        let staff = accounts::authorise(conn, &self.account_id)?;
        staff.require(role)?;
        Ok(staff)
    }
}

impl FromRequest for AccountSession {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bearer = Bearer::from_request(req, payload);
        Box::pin(async move {
            let session = bearer.await?.session;
            if session.subject_kind != SESSION_KIND {
                return Err(ApiError::Core(CoreError::refused(
                    "wrong_role",
                    "this needs a provider or Office account",
                )));
            }
            Ok(Self {
                account_id: session.subject_id,
            })
        })
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdDocumentBody {
    #[serde(rename = "type")]
    pub kind: String,
    pub number: String,
    pub place: Option<String>,
}

impl IdDocumentBody {
    pub fn parse(&self) -> CoreResult<IdentityDocument> {
        IdentityDocument::parse(&self.kind, &self.number, self.place.as_deref())
    }
}

/// The patient by eHR number or identity document (exactly one).
pub fn patient_ref(ehr: Option<&str>, doc: Option<&IdDocumentBody>) -> CoreResult<PatientRef> {
    match (ehr, doc) {
        (Some(e), None) => Ok(PatientRef::Ehr(EhrNumber::parse(e)?)),
        (None, Some(d)) => Ok(PatientRef::Document(d.parse()?)),
        _ => Err(CoreError::invalid(
            "ehr_number",
            "give the eHR number or the identity document (one of them)",
        )),
    }
}

pub fn account_json(a: &Account) -> Value {
    json!({
        "id": a.id,
        "provider_id": a.provider_id,
        "role": a.role,
        "username": a.username,
        "display_name": a.display_name,
        "profession": a.profession,
        "registration_number": a.registration_number,
        "status": a.status,
        "totp_enabled": a.totp_enabled,
    })
}
