//! `POST /v1/app/devices`: register a phone's FCM token for push messages.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::devices;
use ehealth_core::context::Services;
use ehealth_core::domain::DevicePlatform;
use ehealth_core::CoreError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::acting::Acting;
use super::input::{self, ErrorBody};
use crate::http::errors::{blocking, ApiError};

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
    // Not `DevicePlatform::parse`: its message would change this answer's words.
    let platform = match body.platform.as_str() {
        "android" => DevicePlatform::Android,
        "ios" => DevicePlatform::Ios,
        _ => return Err(CoreError::invalid("platform", "must be android or ios").into()),
    };
    let id = blocking(move || {
        let mut conn = services.db.get()?;
        devices::add_device(&mut conn, &acting.patient_id, &token, platform, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Created().json(DeviceView { id }))
}
