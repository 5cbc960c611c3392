//! `POST /v1/hcp/records`: share a record of one of the eleven data types.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::records;
use ehealth_core::context::Services;
use ehealth_core::domain::{AccountRole, DataType};
use ehealth_core::ids::EhrNumber;
use serde::Deserialize;
use serde_json::json;

use super::staff::AccountSession;
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordBody {
    pub ehr_number: String,
    pub data_type: String,
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
}

#[utoipa::path(post, path = "/v1/hcp/records", tag = "hcp", security(("bearer" = [])), request_body = RecordBody, responses((status = 201, description = "done", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody)))]
pub async fn handle(
    services: web::Data<Services>,
    session: AccountSession,
    body: web::Json<RecordBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let ehr = EhrNumber::parse(&body.ehr_number)?;
    let data_type = DataType::parse(&body.data_type)?;
    let record = blocking(move || {
        let mut conn = services.db.get()?;
        let staff = session.authorise(&mut conn, AccountRole::Hcprof)?;
        records::share(
            &mut conn,
            &staff,
            &ehr,
            data_type,
            &body.document,
            Utc::now(),
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({
        "id": record.id,
        "data_type": record.data_type,
        "provider_id": record.provider_id,
        "created_at": record.created_at.and_utc().to_rfc3339(),
    })))
}
