//! `POST /v1/hcp/activations`: the first user administrator of an approved provider
//! chooses their password with the one-time code from their email, and gets their TOTP
//! enrolment (otpauth URI and QR, once) in the same answer (issue 16). Public; throttled
//! per client address; every wrong try answered 401 `activation_invalid`.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::activation::{self, Activation};
use ehealth_core::context::Services;
use ehealth_core::ids::ProviderId;
use ehealth_core::CoreError;
use ehealth_core::ErrorCode;
use serde::Deserialize;
use serde_json::json;

use super::staff::account_json;
use crate::http::client::ClientAddress;
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivationBody {
    pub hcp_id: String,
    pub username: String,
    pub activation_code: String,
    /// 12 to 128 characters.
    pub password: String,
}

#[utoipa::path(post, path = "/v1/hcp/activations", tag = "hcp", request_body = ActivationBody,
    responses((status = 200, description = "activated: the account, and its TOTP enrolment (otpauth URI, secret, QR SVG) once", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, description = "activation_invalid", body = crate::routes::app::input::ErrorBody), (status = 429, body = crate::routes::app::input::ErrorBody)))]
pub async fn handle(
    services: web::Data<Services>,
    client: ClientAddress,
    body: web::Json<ActivationBody>,
) -> Result<HttpResponse, ApiError> {
    let provider = ProviderId::parse(&body.hcp_id)?;
    if body.username.len() > 64 || body.activation_code.len() > 128 {
        return Err(CoreError::unauthenticated(
            ErrorCode::ActivationInvalid,
            "the provider id, username or activation code is wrong, used or expired",
        )
        .into());
    }
    let secret = mobile_bridge::totp::new_secret();
    let stored = secret.clone();
    let body = body.into_inner();
    let account = blocking(move || {
        let mut conn = services.db.get()?;
        activation::activate(
            &mut conn,
            &services.hasher,
            services.hasher.sealer(),
            &client.0,
            &Activation {
                provider_id: &provider,
                username: &body.username,
                code: &body.activation_code,
                password: &body.password,
                totp_secret: &stored,
            },
            Utc::now(),
        )
    })
    .await?;
    let label = format!(
        "{}/{}",
        account.provider_id.as_deref().unwrap_or("provider"),
        account.username
    );
    let uri = mobile_bridge::totp::otpauth_uri(&secret, &label)
        .map_err(|e| CoreError::Internal(e.to_string()))?;
    let svg = mobile_bridge::qr::svg(&uri).map_err(|e| CoreError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({
            "account": account_json(&account),
            "otpauth_uri": uri,
            "secret": secret,
            "qr_svg": svg,
        })))
}
