//! `GET /v1/app/consents`: the patient's consents, with their history.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::consent_history::consent_history;
use ehealth_core::context::Services;
use serde::Serialize;
use utoipa::ToSchema;

use super::acting::Acting;
use super::input::ErrorBody;
use crate::http::errors::{blocking, ApiError};
use crate::routes::consent_item::ConsentItem;

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentList {
    /// Every consent row, newest first: the full history.
    pub consents: Vec<ConsentItem>,
}

/// The patient's consents, deemed HA/DH included, with their history.
#[utoipa::path(get, path = "/v1/app/consents", tag = "consents", security(("bearer" = [])),
    responses((status = 200, body = ConsentList), (status = 401, body = ErrorBody)))]
pub async fn list(services: web::Data<Services>, acting: Acting) -> Result<HttpResponse, ApiError> {
    let rows = blocking(move || {
        let mut conn = services.db.get()?;
        consent_history(&mut conn, &acting.patient_id)
    })
    .await?;
    let now = Utc::now();
    Ok(HttpResponse::Ok().json(ConsentList {
        consents: rows.iter().map(|v| ConsentItem::of(v, now)).collect(),
    }))
}
