//! `POST /v1/app/applications/{id}/resend-code`.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::application;
use ehealth_core::actions::code_requests::CodeRequest;
use ehealth_core::context::Services;

use super::input::ErrorBody;
use super::joining::{limits, view, ApplicationView};
use crate::http::client::ClientAddress;
use crate::http::errors::{blocking, ApiError};

/// Sends a new code (the previous one stops working); throttled.
#[utoipa::path(post, path = "/v1/app/applications/{id}/resend-code", tag = "joining",
    responses((status = 200, body = ApplicationView), (status = 429, body = ErrorBody)))]
pub async fn resend_code(
    services: web::Data<Services>,
    client: ClientAddress,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (app, sent) = blocking(move || {
        let mut conn = services.db.get()?;
        let (policy, limits) = limits(&services);
        let asking = CodeRequest {
            client: &client.0,
            identifier: None,
        };
        let sent = application::resend_code(
            &mut conn,
            &services.hasher,
            &policy,
            &limits,
            &asking,
            &id,
            Utc::now(),
        )?;
        Ok((application::find(&mut conn, &id)?, sent))
    })
    .await?;
    Ok(HttpResponse::Ok().json(view(&app, Some(sent.expires_at.to_rfc3339()))))
}
