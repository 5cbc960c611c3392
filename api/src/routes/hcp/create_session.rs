//! `POST /v1/hcp/sessions`: sign in with provider id, username, password and TOTP code.
//! (`POST /v1/admin/sessions` is the same without a provider id, for the Office.)

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::staff_sign_in::{self, Credentials, SignedIn};
use ehealth_core::context::Services;
use ehealth_core::ids::ProviderId;
use ehealth_core::CoreError;
use serde::Deserialize;
use serde_json::json;

use super::staff::account_json;
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInBody {
    pub hcp_id: Option<String>,
    pub username: String,
    pub password: String,
    pub totp_code: String,
}

#[utoipa::path(post, path = "/v1/hcp/sessions", tag = "hcp", request_body = SignInBody, responses((status = 201, description = "done", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 429, body = crate::routes::app::input::ErrorBody)))]
pub async fn provider(
    services: web::Data<Services>,
    body: web::Json<SignInBody>,
) -> Result<HttpResponse, ApiError> {
    let hcp_id = body
        .hcp_id
        .as_deref()
        .ok_or_else(|| CoreError::invalid("hcp_id", "required"))
        .and_then(ProviderId::parse)?;
    sign_in(services, body.into_inner(), Some(hcp_id)).await
}

#[utoipa::path(post, path = "/v1/admin/sessions", tag = "admin", request_body = SignInBody, responses((status = 201, description = "done", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 429, body = crate::routes::app::input::ErrorBody)))]
pub async fn office(
    services: web::Data<Services>,
    body: web::Json<SignInBody>,
) -> Result<HttpResponse, ApiError> {
    if body.hcp_id.is_some() {
        return Err(
            CoreError::invalid("hcp_id", "Office accounts sign in without a provider id").into(),
        );
    }
    sign_in(services, body.into_inner(), None).await
}

/// Signs a provider or Office account in (password + TOTP); shared by this JSON route
/// and the counter page's form. Oversized fields are refused before any hashing.
pub(crate) async fn sign_in_staff(
    services: web::Data<Services>,
    creds: Credentials,
) -> Result<SignedIn, ApiError> {
    if creds.username.len() > 64 || creds.password.len() > 512 || creds.totp_code.len() > 16 {
        return Err(CoreError::invalid("username", "too long").into());
    }
    blocking(move || {
        let mut conn = services.db.get()?;
        staff_sign_in::sign_in(
            &mut conn,
            &services.hasher,
            &services.config.security,
            mobile_bridge::totp::matching_step,
            &creds,
            Utc::now(),
        )
    })
    .await
}

async fn sign_in(
    services: web::Data<Services>,
    body: SignInBody,
    hcp_id: Option<ProviderId>,
) -> Result<HttpResponse, ApiError> {
    let creds = Credentials {
        provider_id: hcp_id,
        username: body.username,
        password: body.password,
        totp_code: body.totp_code.trim().to_owned(),
    };
    let signed_in = sign_in_staff(services, creds).await?;
    Ok(HttpResponse::Created().json(json!({
        "token": signed_in.token,
        "expires_at": signed_in.expires_at.to_rfc3339(),
        "account": account_json(&signed_in.staff.account),
    })))
}
