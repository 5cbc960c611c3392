//! `POST /v1/app/passkeys/registration/finish`.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::passkeys::{self, NewPasskey};
use ehealth_core::context::Services;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::acting::Acting;
use super::input::{self, ErrorBody};
use super::passkey_ceremony::{refused, relying_party};
#[allow(unused_imports)] // named by the utoipa annotations
use super::passkey_json::RegistrationResponseJson;
use crate::http::errors::{blocking, ApiError};

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
