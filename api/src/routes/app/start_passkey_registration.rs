//! `POST /v1/app/passkeys/registration/start`: a signed-in patient starts enrolling a
//! passkey.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::active_patient;
use ehealth_core::actions::passkeys;
use ehealth_core::context::Services;
use ehealth_core::domain::CeremonyKind;
use ehealth_core::ids::PatientId;
use ehealth_core::CoreError;
use mobile_bridge::webauthn::{Started, Uuid};

use super::acting::Acting;
use super::input::ErrorBody;
use super::passkey_ceremony::{refused, relying_party, CeremonyView};
#[allow(unused_imports)] // named by the utoipa annotations
use super::passkey_json::RegistrationCeremony;
use crate::http::errors::{blocking, ApiError};

fn user_uuid(patient_id: &PatientId) -> Result<Uuid, CoreError> {
    Uuid::parse_str(patient_id.as_str()).map_err(|e| CoreError::Internal(e.to_string()))
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
            CeremonyKind::PasskeyRegistration,
            Some(patient.id.as_str()),
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
