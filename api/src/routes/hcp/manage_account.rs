//! `GET /v1/hcp/accounts` (the provider's accounts) and `POST /v1/hcp/accounts/{id}/disable`:
//! a user administrator's view and control of their provider's accounts.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::accounts;
use ehealth_core::context::Services;
use ehealth_core::domain::AccountRole;
use ehealth_core::ids::AccountId;
use serde_json::json;

use super::staff::{account_json, AccountSession};
use crate::http::errors::{blocking, ApiError};

#[utoipa::path(get, path = "/v1/hcp/accounts", tag = "hcp", security(("bearer" = [])), responses((status = 200, description = "done", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody)))]
pub async fn list(
    services: web::Data<Services>,
    session: AccountSession,
) -> Result<HttpResponse, ApiError> {
    let list = blocking(move || {
        let mut conn = services.db.get()?;
        let admin = session.authorise(&mut conn, AccountRole::UserAdmin)?;
        accounts::list(&mut conn, &admin)
    })
    .await?;
    let items: Vec<_> = list.iter().map(account_json).collect();
    Ok(HttpResponse::Ok().json(json!({ "accounts": items })))
}

#[utoipa::path(post, path = "/v1/hcp/accounts/{id}/disable", tag = "hcp", security(("bearer" = [])), params(("id" = String, Path, description = "account id")), responses((status = 200, description = "done", content_type = "application/json"), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody)))]
pub async fn disable(
    services: web::Data<Services>,
    session: AccountSession,
    path: web::Path<AccountId>,
) -> Result<HttpResponse, ApiError> {
    disable_as(services, session, path.into_inner(), AccountRole::UserAdmin).await
}

/// Disabling by a user administrator (their provider's accounts) or the Office (any's).
pub(crate) async fn disable_as(
    services: web::Data<Services>,
    session: AccountSession,
    id: AccountId,
    role: AccountRole,
) -> Result<HttpResponse, ApiError> {
    let account = blocking(move || {
        let mut conn = services.db.get()?;
        let admin = session.authorise(&mut conn, role)?;
        accounts::disable(&mut conn, &admin, &id, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Ok().json(account_json(&account)))
}
