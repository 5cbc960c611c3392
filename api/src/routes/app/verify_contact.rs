//! `POST /v1/app/me/contact-verification`.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::codes::CodePurpose;
use ehealth_core::actions::preferences;
use ehealth_core::context::Services;
use ehealth_core::ids::OneTimeCode;
use ehealth_core::CoreError;
use serde::Deserialize;
use utoipa::ToSchema;

use super::acting::Acting;
use super::input::ErrorBody;
use super::profile::{profile, Profile};
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactCodeBody {
    /// `mobile` or `email`
    pub contact: String,
    pub code: String,
}

/// The code sent to a new mobile or email makes it the one used.
#[utoipa::path(post, path = "/v1/app/me/contact-verification", tag = "profile", security(("bearer" = [])), request_body = ContactCodeBody,
    responses((status = 200, body = Profile), (status = 401, body = ErrorBody), (status = 423, body = ErrorBody)))]
pub async fn verify_contact(
    services: web::Data<Services>,
    acting: Acting,
    body: web::Json<ContactCodeBody>,
) -> Result<HttpResponse, ApiError> {
    let purpose = match body.contact.as_str() {
        "mobile" => CodePurpose::NewMobile,
        "email" => CodePurpose::NewEmail,
        _ => return Err(CoreError::invalid("contact", "must be mobile or email").into()),
    };
    let code = OneTimeCode::parse(&body.code)?;
    let patient = blocking(move || {
        let mut conn = services.db.get()?;
        preferences::confirm_contact(
            &mut conn,
            &services.hasher,
            &acting.patient_id,
            purpose,
            &code,
            &acting.actor,
            Utc::now(),
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(profile(&patient, &[])))
}
