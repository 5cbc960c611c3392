//! The Office sets up a provider's accounts (its first user administrator, above all):
//! `POST /v1/admin/providers/{id}/accounts`, `POST /v1/admin/accounts/{id}/totp`,
//! `POST /v1/admin/accounts/{id}/disable`. Same bodies and answers as under `/v1/hcp`.

use actix_web::{web, HttpResponse};
use ehealth_core::context::Services;
use ehealth_core::domain::AccountRole;
use ehealth_core::ids::AccountId;
use ehealth_core::ids::ProviderId;

use crate::http::errors::ApiError;
use crate::routes::hcp::create_account::{self, NewAccountBody};
use crate::routes::hcp::staff::AccountSession;
use crate::routes::hcp::{enrol_totp, manage_account};

#[utoipa::path(post, path = "/v1/admin/providers/{id}/accounts", tag = "admin", security(("bearer" = [])), request_body = NewAccountBody,
    params(("id" = String, Path, description = "9-digit provider id")),
    responses((status = 201, description = "created", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 409, body = crate::routes::app::input::ErrorBody)))]
pub async fn create(
    services: web::Data<Services>,
    session: AccountSession,
    path: web::Path<String>,
    body: web::Json<NewAccountBody>,
) -> Result<HttpResponse, ApiError> {
    let provider = ProviderId::parse(&path.into_inner())?;
    create_account::create_as(
        services,
        session,
        Some(provider.as_str().to_owned()),
        body.into_inner(),
    )
    .await
}

#[utoipa::path(post, path = "/v1/admin/accounts/{id}/totp", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "account id")),
    responses((status = 200, description = "otpauth URI and QR (SVG), once", content_type = "application/json"), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody)))]
pub async fn enrol(
    services: web::Data<Services>,
    session: AccountSession,
    path: web::Path<AccountId>,
) -> Result<HttpResponse, ApiError> {
    enrol_totp::enrol(services, session, path.into_inner(), AccountRole::Office).await
}

#[utoipa::path(post, path = "/v1/admin/accounts/{id}/disable", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "account id")),
    responses((status = 200, description = "disabled", content_type = "application/json"), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody)))]
pub async fn disable(
    services: web::Data<Services>,
    session: AccountSession,
    path: web::Path<AccountId>,
) -> Result<HttpResponse, ApiError> {
    manage_account::disable_as(services, session, path.into_inner(), AccountRole::Office).await
}
