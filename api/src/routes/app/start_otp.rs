//! `POST /v1/app/sessions/otp`: a sign-in code to the registered mobile.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::code_requests::RequestLimits;
use ehealth_core::actions::codes::CodePolicy;
use ehealth_core::actions::sign_in::{self, OtpRequest, SignInIdentifier};
use ehealth_core::context::Services;
use ehealth_core::ids::EhrNumber;
use ehealth_core::CoreError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::input::{self, ErrorBody, IdDocumentBody};
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
