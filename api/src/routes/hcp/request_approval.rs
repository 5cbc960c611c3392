//! `POST /v1/hcp/approval-requests`: ask the patient's additional consent (approval in the
//! app) for restricted data types, with a reason.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::approval_request;
use ehealth_core::context::Services;
use ehealth_core::domain::{AccountRole, DataType};
use ehealth_core::ids::EhrNumber;
use serde::Deserialize;
use serde_json::json;

use super::staff::AccountSession;
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRequestBody {
    pub ehr_number: String,
    pub data_types: Vec<String>,
    pub reason: String,
}

#[utoipa::path(post, path = "/v1/hcp/approval-requests", tag = "hcp", security(("bearer" = [])), request_body = ApprovalRequestBody, responses((status = 201, description = "done", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody)))]
pub async fn handle(
    services: web::Data<Services>,
    session: AccountSession,
    body: web::Json<ApprovalRequestBody>,
) -> Result<HttpResponse, ApiError> {
    let ehr = EhrNumber::parse(&body.ehr_number)?;
    let types: Vec<DataType> = DataType::parse_list("data_types", &body.data_types)?;
    let reason = body.reason.clone();
    let approval = blocking(move || {
        let mut conn = services.db.get()?;
        let staff = session.authorise(&mut conn, AccountRole::Hcprof)?;
        approval_request::request(&mut conn, &staff, &ehr, &types, &reason, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({
        "id": approval.id,
        "status": approval.status,
        "data_types": approval.data_types.split(',').collect::<Vec<_>>(),
        "expires_at": approval.expires_at.and_utc().to_rfc3339(),
    })))
}
