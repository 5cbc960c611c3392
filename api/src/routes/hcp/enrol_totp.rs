//! `POST /v1/hcp/accounts/{id}/totp`: a user administrator enrols (or re-enrols) the TOTP
//! second factor of an account at their provider. The answer carries the otpauth URI and
//! its QR code (SVG) once, to be scanned by the professional's authenticator app.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::accounts;
use ehealth_core::context::Services;
use ehealth_core::domain::AccountRole;
use ehealth_core::ids::AccountId;
use ehealth_core::CoreError;
use serde_json::json;

use super::staff::AccountSession;
use crate::http::errors::{blocking, ApiError};

#[utoipa::path(post, path = "/v1/hcp/accounts/{id}/totp", tag = "hcp", security(("bearer" = [])), params(("id" = String, Path, description = "account id")), responses((status = 200, description = "done", content_type = "application/json"), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody)))]
pub async fn handle(
    services: web::Data<Services>,
    session: AccountSession,
    path: web::Path<AccountId>,
) -> Result<HttpResponse, ApiError> {
    enrol(services, session, path.into_inner(), AccountRole::UserAdmin).await
}

/// Enrolment by a user administrator (their provider's accounts) or the Office (any
/// provider's, e.g. a new provider's first user administrator).
pub(crate) async fn enrol(
    services: web::Data<Services>,
    session: AccountSession,
    id: AccountId,
    role: AccountRole,
) -> Result<HttpResponse, ApiError> {
    let secret = mobile_bridge::totp::new_secret();
    let stored = secret.clone();
    let account = blocking(move || {
        let mut conn = services.db.get()?;
        let admin = session.authorise(&mut conn, role)?;
        accounts::enrol_totp(
            &mut conn,
            services.hasher.sealer(),
            &admin,
            &id,
            &stored,
            Utc::now(),
        )
    })
    .await?;
    let label = format!(
        "{}:{}",
        account.provider_id.as_deref().unwrap_or("office"),
        account.username
    );
    let uri = mobile_bridge::totp::otpauth_uri(&secret, &label.replace(':', "/"))
        .map_err(|e| CoreError::Internal(e.to_string()))?;
    let svg = mobile_bridge::qr::svg(&uri).map_err(|e| CoreError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({
            "account_id": account.id,
            "otpauth_uri": uri,
            "secret": secret,
            "qr_svg": svg,
        })))
}
