//! `POST /v1/app/access-key`: a new access key; the old one stops working at once.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::access_key;
use ehealth_core::context::Services;
use ehealth_core::CoreError;
use serde::Serialize;
use utoipa::ToSchema;

use super::acting::Acting;
use super::input::ErrorBody;
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Serialize, ToSchema)]
pub struct NewAccessKey {
    /// 8 digits. Shown once; also sent by the patient's selected means.
    pub access_key: String,
    /// The key as a QR code (SVG) for the counter to scan.
    pub qr_svg: String,
}

/// Generates a new access key.
#[utoipa::path(post, path = "/v1/app/access-key", tag = "access key", security(("bearer" = [])),
    responses((status = 201, body = NewAccessKey), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn generate(
    services: web::Data<Services>,
    acting: Acting,
) -> Result<HttpResponse, ApiError> {
    let key = blocking(move || {
        let mut conn = services.db.get()?;
        access_key::issue_from_app(
            &mut conn,
            &services.hasher,
            &acting.patient_id,
            &acting.actor,
            Utc::now(),
        )
    })
    .await?;
    let qr_svg =
        mobile_bridge::qr::svg(key.expose()).map_err(|e| CoreError::Internal(e.to_string()))?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(NewAccessKey {
            access_key: key.expose().to_owned(),
            qr_svg,
        }))
}
