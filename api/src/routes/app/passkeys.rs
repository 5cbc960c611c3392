//! `POST /v1/app/passkeys/registration/{start,finish}` (a signed-in patient enrols a
//! passkey) and `POST /v1/app/sessions/passkey/{start,finish}` (sign-in with it, by eHR
//! number or discoverable). Ceremony state stays on the server; the client gets its id.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::active_patient;
use ehealth_core::actions::passkeys::{self, NewPasskey, Offer, PasskeyAnswer};
use ehealth_core::context::Services;
use ehealth_core::db::passkeys::PasskeyRecord;
use ehealth_core::db::DbConn;
use ehealth_core::ids::EhrNumber;
use ehealth_core::CoreError;
use ehealth_core::ErrorCode;
use mobile_bridge::webauthn::{Assertion, PasskeyError, Passkeys, Started, StoredPasskey, Uuid};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::acting::Acting;
use super::input::{self, ErrorBody};
#[allow(unused_imports)] // named by the utoipa annotations
use super::passkey_json::{
    AuthenticationResponseJson, RegistrationCeremony, RegistrationResponseJson, SignInCeremony,
};
use super::sessions::{session_ttl, session_view, SessionView};
use crate::http::errors::{blocking, ApiError};

fn relying_party(services: &Services) -> Result<Passkeys, CoreError> {
    let c = &services.config.webauthn;
    Passkeys::new(&c.rp_id, &c.rp_origins, &c.rp_name)
        .map_err(|e| CoreError::Internal(e.to_string()))
}

fn refused(e: PasskeyError) -> CoreError {
    match e {
        PasskeyError::Malformed(m) => CoreError::invalid("credential", m),
        PasskeyError::Rejected(m) => CoreError::unauthenticated(ErrorCode::PasskeyRejected, m),
        other => CoreError::Internal(other.to_string()),
    }
}

fn user_uuid(patient_id: &str) -> Result<Uuid, CoreError> {
    Uuid::parse_str(patient_id).map_err(|e| CoreError::Internal(e.to_string()))
}

/// A started ceremony, documented as `RegistrationCeremony` / `SignInCeremony`.
#[derive(Debug, Serialize)]
pub struct CeremonyView {
    pub ceremony_id: String,
    pub options: serde_json::Value,
}

/// Starts enrolling a passkey for the signed-in patient.
#[utoipa::path(post, path = "/v1/app/passkeys/registration/start", tag = "sign-in", security(("bearer" = [])),
    responses((status = 200, body = RegistrationCeremony), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn registration_start(
    services: web::Data<Services>,
    acting: Acting,
) -> Result<HttpResponse, ApiError> {
    let acting = acting.patient_only()?;
    let view = blocking(move || {
        let mut conn = services.db.get()?;
        let patient = active_patient(&mut conn, &acting.patient_id)?;
        let existing: Vec<String> = passkeys::of_patient(&mut conn, &patient.id)?
            .into_iter()
            .map(|p| p.passkey)
            .collect();
        let Started { options, state } = relying_party(&services)?
            .start_registration(
                user_uuid(&patient.id)?,
                &patient.ehr_number,
                &patient.name_en,
                &existing,
            )
            .map_err(refused)?;
        let ceremony_id = passkeys::save_ceremony(
            &mut conn,
            passkeys::REGISTRATION,
            Some(&patient.id),
            state,
            Utc::now(),
        )?;
        Ok(CeremonyView {
            ceremony_id,
            options,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationFinishBody {
    pub ceremony_id: String,
    /// A name for this passkey, e.g. the phone's.
    pub name: Option<String>,
    /// `credential.toJSON()` of `navigator.credentials.create` (base64url throughout).
    #[schema(value_type = RegistrationResponseJson)]
    pub credential: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyView {
    pub id: String,
    pub name: String,
    /// Whether the authenticator stored a discoverable credential (`credProps.rk`), so that
    /// the patient can sign in without typing the eHR number; absent if the client did not
    /// say. A `false` passkey signs in by eHR number only.
    pub discoverable: Option<bool>,
}

/// Finishes enrolling the passkey.
#[utoipa::path(post, path = "/v1/app/passkeys/registration/finish", tag = "sign-in", security(("bearer" = [])), request_body = RegistrationFinishBody,
    responses((status = 201, body = PasskeyView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn registration_finish(
    services: web::Data<Services>,
    acting: Acting,
    body: web::Json<RegistrationFinishBody>,
) -> Result<HttpResponse, ApiError> {
    let acting = acting.patient_only()?;
    let ceremony_id = input::text("ceremony_id", &body.ceremony_id, 64)?;
    let name = input::text("name", body.name.as_deref().unwrap_or("passkey"), 100)?;
    let body = body.into_inner();
    let view = blocking(move || {
        let rp = relying_party(&services)?;
        let mut conn = services.db.get()?;
        let mut discoverable = None;
        let finish = |state: &str| {
            let enrolled = rp
                .finish_registration(state, &body.credential)
                .map_err(refused)?;
            discoverable = enrolled.discoverable;
            Ok(NewPasskey {
                credential_id: enrolled.credential_id,
                passkey: enrolled.passkey,
                transports: Some(serde_json::Value::from(enrolled.transports).to_string()),
            })
        };
        let record = passkeys::enrol(
            &mut conn,
            &acting.patient_id,
            &ceremony_id,
            &name,
            finish,
            Utc::now(),
        )?;
        Ok(PasskeyView {
            id: record.id,
            name: record.name,
            discoverable,
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

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
            passkeys::SIGN_IN,
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
            (started, Some(patient_id))
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyFinishBody {
    pub ceremony_id: String,
    /// `credential.toJSON()` of `navigator.credentials.get` (base64url throughout).
    #[schema(value_type = AuthenticationResponseJson)]
    pub credential: serde_json::Value,
}

/// Finishes a passkey sign-in; starts a session.
#[utoipa::path(post, path = "/v1/app/sessions/passkey/finish", tag = "sign-in", request_body = PasskeyFinishBody,
    responses((status = 201, body = SessionView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn sign_in_finish(
    services: web::Data<Services>,
    body: web::Json<PasskeyFinishBody>,
) -> Result<HttpResponse, ApiError> {
    let ceremony_id = input::text("ceremony_id", &body.ceremony_id, 64)?;
    let assertion = Assertion::parse(&body.credential).map_err(refused)?;
    let signed_in = blocking(move || {
        let rp = relying_party(&services)?;
        let mut conn = services.db.get()?;
        let answer = PasskeyAnswer {
            credential_id: assertion.credential_id.clone(),
            user_handle: assertion.user_handle.map(|u| u.to_string()),
        };
        let verify = |state: &str, stored: &str| {
            rp.finish_sign_in(state, &assertion, stored)
                .map_err(refused)
        };
        passkeys::sign_in(
            &mut conn,
            &ceremony_id,
            &answer,
            verify,
            session_ttl(&services),
            Utc::now(),
        )
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(session_view(signed_in)))
}
