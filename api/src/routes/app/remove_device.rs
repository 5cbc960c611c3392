//! `DELETE /v1/app/devices/{id}`: stop push messages to a phone.

use actix_web::{web, HttpResponse};
use ehealth_core::actions::devices;
use ehealth_core::context::Services;

use super::acting::Acting;
use super::input::ErrorBody;
use crate::http::errors::{blocking, ApiError};

/// Stops push messages to a phone.
#[utoipa::path(delete, path = "/v1/app/devices/{id}", tag = "notifications", security(("bearer" = [])),
    params(("id" = String, Path, description = "device id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn remove(
    services: web::Data<Services>,
    acting: Acting,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let acting = acting.patient_only()?;
    let id = id.into_inner();
    blocking(move || {
        let mut conn = services.db.get()?;
        devices::remove_device(&mut conn, &acting.patient_id, &id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
