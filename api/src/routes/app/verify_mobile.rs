//! `POST /v1/app/applications/{id}/verify-mobile`.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::application;
use ehealth_core::context::Services;
use ehealth_core::ids::OneTimeCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::input::ErrorBody;
use super::joining::{view, ApplicationView};
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    /// The 6-digit code received.
    pub code: String,
}

/// The code sent to the mobile moves the application to identity verification.
#[utoipa::path(post, path = "/v1/app/applications/{id}/verify-mobile", tag = "joining", request_body = CodeBody,
    responses((status = 200, body = ApplicationView), (status = 401, body = ErrorBody), (status = 423, body = ErrorBody)))]
pub async fn verify_mobile(
    services: web::Data<Services>,
    id: web::Path<String>,
    body: web::Json<CodeBody>,
) -> Result<HttpResponse, ApiError> {
    let code = OneTimeCode::parse(&body.code)?;
    let id = id.into_inner();
    let app = blocking(move || {
        let mut conn = services.db.get()?;
        application::verify_mobile(&mut conn, &services.hasher, &id, &code, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Ok().json(view(&app, None)))
}
