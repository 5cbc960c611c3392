//! The account behind a bearer token, for every `/v1/hcp` and `/v1/admin` handler (and any
//! service with staff routes). Handlers re-authorise it inside their transaction-bound
//! work, so a disabled account or a provider that left stops working at once.

use ehealth_core::ErrorCode;
use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, FromRequest, HttpRequest};
use ehealth_core::actions::accounts::{self, Staff, SESSION_KIND};
use ehealth_core::db::DbConn;
use ehealth_core::domain::AccountRole;
use ehealth_core::ids::AccountId;
use ehealth_core::{CoreError, CoreResult};

use crate::auth::Bearer;
use crate::errors::ApiError;

/// A request from a signed-in account (not a patient).
#[derive(Debug, Clone)]
pub struct AccountSession {
    pub account_id: AccountId,
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
                    ErrorCode::WrongRole,
                    "this needs a provider or Office account",
                )));
            }
            Ok(Self {
                account_id: AccountId::new(session.subject_id),
            })
        })
    }
}
