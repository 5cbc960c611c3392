//! `DELETE /v1/app/sessions/current`: sign-out.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::sign_in;
use ehealth_core::context::Services;

use super::input::ErrorBody;
use crate::http::auth::Bearer;
use crate::http::errors::{blocking, ApiError};

/// Signs out: the token stops working at once.
#[utoipa::path(delete, path = "/v1/app/sessions/current", tag = "sign-in", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn sign_out(
    services: web::Data<Services>,
    bearer: Bearer,
) -> Result<HttpResponse, ApiError> {
    blocking(move || {
        let mut conn = services.db.get()?;
        sign_in::sign_out(&mut conn, &bearer.session, Utc::now())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
