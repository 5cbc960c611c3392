//! `POST /v1/app/sessions/otp`, `POST /v1/app/sessions/otp/verify`,
//! `DELETE /v1/app/sessions/current` (sign-out).

use actix_web::{web, HttpResponse};
use chrono::{Duration, Utc};
use ehealth_core::actions::code_requests::RequestLimits;
use ehealth_core::actions::codes::CodePolicy;
use ehealth_core::actions::sign_in::{self, OtpRequest, SignInIdentifier, SignedIn};
use ehealth_core::context::Services;
use ehealth_core::ids::{EhrNumber, OneTimeCode};
use ehealth_core::CoreError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::input::{self, ErrorBody, IdDocumentBody};
use crate::http::auth::Bearer;
use crate::http::client::ClientAddress;
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtpStartBody {
    /// The eHR number (12 digits, spaces allowed)...
    pub ehr_number: Option<String>,
    /// ... or the identity document.
    pub id_document: Option<IdDocumentBody>,
    /// YYYY-MM-DD
    pub date_of_birth: String,
    /// Sign in as a substitute decision maker (identity document only).
    #[serde(default)]
    pub as_sdm: bool,
}

impl OtpStartBody {
    fn parse(&self, client: ClientAddress) -> Result<OtpRequest, CoreError> {
        let who = match (&self.ehr_number, &self.id_document) {
            (Some(n), None) if !self.as_sdm => SignInIdentifier::Ehr(EhrNumber::parse(n)?),
            (None, Some(d)) => SignInIdentifier::Document(d.parse()?),
            _ => {
                return Err(CoreError::invalid(
                    "ehr_number",
                    "give either ehr_number or id_document (an SDM: id_document)",
                ))
            }
        };
        Ok(OtpRequest {
            who,
            client: client.0,
            date_of_birth: input::date("date_of_birth", &self.date_of_birth)?,
            as_sdm: self.as_sdm,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OtpChallengeView {
    /// Send back with the code.
    pub challenge_id: String,
    pub expires_at: String,
}

/// Sends a sign-in code to the registered mobile. The answer, and its limits (per
/// identifier, per client, in all: 429), are the same whether or not the particulars
/// match someone.
#[utoipa::path(post, path = "/v1/app/sessions/otp", tag = "sign-in", request_body = OtpStartBody,
    responses((status = 202, body = OtpChallengeView), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn start_otp(
    services: web::Data<Services>,
    client: ClientAddress,
    body: web::Json<OtpStartBody>,
) -> Result<HttpResponse, ApiError> {
    let req = body.parse(client)?;
    let challenge = blocking(move || {
        let mut conn = services.db.get()?;
        let security = &services.config.security;
        let (policy, limits) = (CodePolicy::of(security), RequestLimits::of(security));
        sign_in::start_otp(
            &mut conn,
            &services.hasher,
            &policy,
            &limits,
            &req,
            Utc::now(),
        )
    })
    .await?;
    Ok(HttpResponse::Accepted().json(OtpChallengeView {
        challenge_id: challenge.challenge_id,
        expires_at: challenge.expires_at.to_rfc3339(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtpVerifyBody {
    pub challenge_id: String,
    pub code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// Opaque bearer token, shown once: `Authorization: Bearer <token>`.
    pub token: String,
    /// `patient` or `sdm`
    pub subject_kind: String,
    pub expires_at: String,
}

pub fn session_view(signed_in: SignedIn) -> SessionView {
    SessionView {
        token: signed_in.token,
        subject_kind: signed_in.session.subject_kind,
        expires_at: signed_in.session.expires_at.and_utc().to_rfc3339(),
    }
}

pub fn session_ttl(services: &Services) -> Duration {
    Duration::minutes(services.config.security.session_ttl_minutes)
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

/// Signs out: the token stops working at once.
#[utoipa::path(delete, path = "/v1/app/sessions/current", tag = "sign-in", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn sign_out(
    services: web::Data<Services>,
    bearer: Bearer,
) -> Result<HttpResponse, ApiError> {
    blocking(move || {
        let mut conn = services.db.get()?;
        sign_in::sign_out(&mut conn, &bearer.session, Utc::now())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
