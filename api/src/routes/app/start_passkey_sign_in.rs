//! `POST /v1/app/sessions/passkey/start`: sign-in with a passkey, by eHR number or
//! discoverable.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::passkeys::{self, Offer};
use ehealth_core::context::Services;
use ehealth_core::db::passkeys::PasskeyRecord;
use ehealth_core::db::DbConn;
use ehealth_core::domain::CeremonyKind;
use ehealth_core::ids::EhrNumber;
use ehealth_core::CoreError;
use mobile_bridge::webauthn::{Passkeys, Started, StoredPasskey};
use serde::Deserialize;
use utoipa::ToSchema;

use super::input::ErrorBody;
use super::passkey_ceremony::{refused, relying_party, CeremonyView};
#[allow(unused_imports)] // named by the utoipa annotations
use super::passkey_json::SignInCeremony;
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyStartBody {
    /// Offer this number's passkeys (every well-formed number gets some credential ids,
    /// real or decoy); without it the passkey must be discoverable (usernameless).
    pub ehr_number: Option<String>,
}

/// Starts a passkey sign-in.
#[utoipa::path(post, path = "/v1/app/sessions/passkey/start", tag = "sign-in", request_body = PasskeyStartBody,
    responses((status = 200, body = SignInCeremony), (status = 400, body = ErrorBody)))]
pub async fn sign_in_start(
    services: web::Data<Services>,
    body: web::Json<PasskeyStartBody>,
) -> Result<HttpResponse, ApiError> {
    let ehr = body
        .ehr_number
        .as_deref()
        .map(EhrNumber::parse)
        .transpose()?;
    let view = blocking(move || {
        let rp = relying_party(&services)?;
        let mut conn = services.db.get()?;
        let (started, subject) = match &ehr {
            Some(n) => start_by_number(&rp, &services, &mut conn, n)?,
            None => (rp.start_discoverable_sign_in().map_err(refused)?, None),
        };
        let ceremony_id = passkeys::save_ceremony(
            &mut conn,
            CeremonyKind::PasskeySignIn,
            subject.as_deref(),
            started.state,
            Utc::now(),
        )?;
        Ok(CeremonyView {
            ceremony_id,
            options: started.options,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Every well-formed number gets the same shape of answer: its patient's passkeys, or
/// (unknown, withdrawn, no passkeys) deterministic decoys. Gives the ceremony's subject.
fn start_by_number(
    rp: &Passkeys,
    services: &Services,
    conn: &mut DbConn,
    ehr: &EhrNumber,
) -> Result<(Started, Option<String>), CoreError> {
    Ok(match passkeys::offer(conn, ehr.as_str())? {
        Offer::Passkeys { patient_id, keys } => {
            let stored: Vec<StoredPasskey> = keys.into_iter().map(stored).collect();
            let started = rp.start_sign_in(&stored).map_err(refused)?;
            (started, Some(patient_id.into()))
        }
        Offer::Nobody { subject_id } => {
            let decoys = passkeys::decoy_credential_ids(&services.hasher, ehr.as_str());
            let started = rp.start_decoy_sign_in(&decoys).map_err(refused)?;
            (started, Some(subject_id))
        }
    })
}

fn stored(record: PasskeyRecord) -> StoredPasskey {
    let transports = record
        .transports
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    StoredPasskey {
        passkey: record.passkey,
        transports,
    }
}
