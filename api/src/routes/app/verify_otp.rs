//! `POST /v1/app/sessions/otp/verify`.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::sign_in;
use ehealth_core::context::Services;
use ehealth_core::ids::OneTimeCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::input::{self, ErrorBody};
use super::session_view::{session_ttl, session_view, SessionView};
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtpVerifyBody {
    pub challenge_id: String,
    pub code: String,
}

/// The right code starts a session.
#[utoipa::path(post, path = "/v1/app/sessions/otp/verify", tag = "sign-in", request_body = OtpVerifyBody,
    responses((status = 201, body = SessionView), (status = 401, body = ErrorBody), (status = 423, body = ErrorBody)))]
pub async fn verify_otp(
    services: web::Data<Services>,
    body: web::Json<OtpVerifyBody>,
) -> Result<HttpResponse, ApiError> {
    let code = OneTimeCode::parse(&body.code)?;
    let challenge_id = input::text("challenge_id", &body.challenge_id, 64)?;
    let signed_in = blocking(move || {
        let mut conn = services.db.get()?;
        sign_in::verify_otp(
            &mut conn,
            &services.hasher,
            session_ttl(&services),
            &challenge_id,
            &code,
            Utc::now(),
        )
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(session_view(signed_in)))
}
