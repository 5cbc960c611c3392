//! `POST /v1/app/applications`: apply to join.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::application;
use ehealth_core::context::Services;

use super::input::ErrorBody;
use super::joining::{limits, view, ApplicationBody, ApplicationView};
use crate::http::client::ClientAddress;
use crate::http::errors::{blocking, ApiError};

/// Apply to join; a 6-digit code is sent to the mobile. Limited per identity document,
/// per client and in all (429), and per mobile number.
#[utoipa::path(post, path = "/v1/app/applications", tag = "joining", request_body = ApplicationBody,
    responses((status = 201, body = ApplicationView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn create(
    services: web::Data<Services>,
    client: ClientAddress,
    body: web::Json<ApplicationBody>,
) -> Result<HttpResponse, ApiError> {
    let particulars = body.parse()?;
    let (app, sent) = blocking(move || {
        let mut conn = services.db.get()?;
        let (policy, limits) = limits(&services);
        let now = Utc::now();
        let hasher = &services.hasher;
        application::apply(
            &mut conn,
            hasher,
            &policy,
            &limits,
            &client.0,
            &particulars,
            now,
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(view(&app, Some(sent.expires_at.to_rfc3339()))))
}
