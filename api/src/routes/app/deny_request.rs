//! `POST /v1/app/approvals/{id}/deny`.

use actix_web::{web, HttpResponse};
use ehealth_core::context::Services;

use super::acting::Acting;
use super::approval_view::{decide, ApprovalView};
use super::input::ErrorBody;
use crate::http::errors::ApiError;

/// Denies the request.
#[utoipa::path(post, path = "/v1/app/approvals/{id}/deny", tag = "approvals", security(("bearer" = [])),
    params(("id" = String, Path, description = "approval id")),
    responses((status = 200, body = ApprovalView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn deny(
    services: web::Data<Services>,
    acting: Acting,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    decide(services, acting, id.into_inner(), false).await
}
