//! `GET /v1/app/notifications`: the app's notification inbox.

use actix_web::{web, HttpResponse};
use ehealth_core::actions::active_patient;
use ehealth_core::context::Services;
use ehealth_core::db::inbox;
use serde::Serialize;
use utoipa::ToSchema;

use super::acting::Acting;
use super::input::ErrorBody;
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Serialize, ToSchema)]
pub struct InboxItem {
    pub id: String,
    pub kind: String,
    pub created_at: String,
    pub read: bool,
    /// Who, when: never clinical detail, never a secret.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Inbox {
    pub notifications: Vec<InboxItem>,
}

/// The app's notification inbox, newest first (the latest 100).
#[utoipa::path(get, path = "/v1/app/notifications", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = Inbox), (status = 401, body = ErrorBody)))]
pub async fn inbox(
    services: web::Data<Services>,
    acting: Acting,
) -> Result<HttpResponse, ApiError> {
    let acting = acting.patient_only()?;
    let rows = blocking(move || {
        let mut conn = services.db.get()?;
        active_patient(&mut conn, &acting.patient_id)?;
        Ok(inbox::for_patient(&mut conn, &acting.patient_id, 100)?)
    })
    .await?;
    let notifications = rows
        .into_iter()
        .map(|m| InboxItem {
            payload: serde_json::from_str(&m.payload).unwrap_or(serde_json::Value::Null),
            id: m.id,
            kind: m.kind.to_string(),
            created_at: m.created_at.and_utc().to_rfc3339(),
            read: m.read_at.is_some(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(Inbox { notifications }))
}
