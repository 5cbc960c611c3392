//! `GET /v1/log/checkpoint`: the latest signed checkpoint, as C2SP specifies it (text).

use actix_web::{web, HttpResponse};
use ehealth_core::context::Services;
use ehealth_core::db::audit_tree;
use ehealth_core::CoreError;
use ehealth_core::ErrorCode;

use crate::http::errors::{blocking, ApiError};

/// The latest signed checkpoint (C2SP tlog-checkpoint in a signed note).
#[utoipa::path(get, path = "/v1/log/checkpoint", tag = "log",
    responses((status = 200, description = "the signed checkpoint", content_type = "text/plain; charset=utf-8", body = String),
        (status = 409, body = crate::routes::app::input::ErrorBody)))]
pub async fn show(services: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    let note = blocking(move || {
        let mut conn = services.db.get()?;
        audit_tree::latest_checkpoint(&mut conn)?
            .map(|c| c.note)
            .ok_or_else(|| {
                CoreError::conflict(
                    ErrorCode::LogNotStarted,
                    "the log has no signed checkpoint yet",
                )
            })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(note))
}
