//! `POST /v1/app/withdrawal`: leave eHealth.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::withdrawal;
use ehealth_core::context::Services;
use ehealth_core::CoreError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::acting::Acting;
use super::input::ErrorBody;
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalBody {
    /// Must be true: withdrawal ends all sharing at once.
    pub confirm: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WithdrawalView {
    pub status: String,
    pub consents_ended: usize,
}

/// Withdraws: all consents end (HA/DH too), the access key and sessions stop working.
#[utoipa::path(post, path = "/v1/app/withdrawal", tag = "withdrawal", security(("bearer" = [])), request_body = WithdrawalBody,
    responses((status = 200, body = WithdrawalView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn withdraw(
    services: web::Data<Services>,
    acting: Acting,
    body: web::Json<WithdrawalBody>,
) -> Result<HttpResponse, ApiError> {
    if !body.confirm {
        return Err(CoreError::invalid("confirm", "must be true to withdraw").into());
    }
    let done = blocking(move || {
        let mut conn = services.db.get()?;
        withdrawal::withdraw(&mut conn, &acting.patient_id, &acting.actor, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Ok().json(WithdrawalView {
        status: "withdrawn".to_owned(),
        consents_ended: done.consents_ended,
    }))
}
