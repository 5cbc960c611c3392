//! `GET /v1/app/notifications` (the inbox), `POST /v1/app/devices`,
//! `DELETE /v1/app/devices/{id}` (FCM registration tokens for push).

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::{active_patient, devices};
use ehealth_core::context::Services;
use ehealth_core::db::app_inbox;
use ehealth_core::CoreError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::acting::Acting;
use super::input::{self, ErrorBody};
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
        Ok(app_inbox::for_patient(&mut conn, &acting.patient_id, 100)?)
    })
    .await?;
    let notifications = rows
        .into_iter()
        .map(|m| InboxItem {
            payload: serde_json::from_str(&m.payload).unwrap_or(serde_json::Value::Null),
            id: m.id,
            kind: m.kind,
            created_at: m.created_at.and_utc().to_rfc3339(),
            read: m.read_at.is_some(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(Inbox { notifications }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceBody {
    /// The FCM registration token of the app on this phone.
    pub fcm_token: String,
    /// `android` or `ios`
    pub platform: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceView {
    pub id: String,
}

/// Registers this phone for push messages.
#[utoipa::path(post, path = "/v1/app/devices", tag = "notifications", security(("bearer" = [])), request_body = DeviceBody,
    responses((status = 201, body = DeviceView), (status = 400, body = ErrorBody)))]
pub async fn add(
    services: web::Data<Services>,
    acting: Acting,
    body: web::Json<DeviceBody>,
) -> Result<HttpResponse, ApiError> {
    let acting = acting.patient_only()?;
    let token = input::text("fcm_token", &body.fcm_token, 4096)?;
    if token.chars().any(char::is_whitespace) {
        return Err(CoreError::invalid("fcm_token", "must not contain spaces").into());
    }
    let platform = match body.platform.as_str() {
        p @ ("android" | "ios") => p.to_owned(),
        _ => return Err(CoreError::invalid("platform", "must be android or ios").into()),
    };
    let id = blocking(move || {
        let mut conn = services.db.get()?;
        devices::add_device(&mut conn, &acting.patient_id, &token, &platform, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Created().json(DeviceView { id }))
}

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
