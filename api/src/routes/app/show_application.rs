//! `GET /v1/app/applications/{id}`: the state of an application.

use actix_web::{web, HttpResponse};
use ehealth_core::actions::application;
use ehealth_core::context::Services;

use super::input::ErrorBody;
use super::joining::{view, ApplicationView};
use crate::http::errors::{blocking, ApiError};

/// The state of an application.
#[utoipa::path(get, path = "/v1/app/applications/{id}", tag = "joining",
    responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody)))]
pub async fn show(
    services: web::Data<Services>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let app = blocking(move || {
        let mut conn = services.db.get()?;
        application::find(&mut conn, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view(&app, None)))
}
