//! `POST /v1/hcp/record-views`: `{ehr_number or id_document, purpose, data_types}` -> the
//! records the access decision allows, logged and notified in the same transaction. A
//! refusal is audited and answered 403 with the reason as the code. The account's status is not
//! checked before the decision: the decision checks it, so that a refusal is audited.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::record_view::{self, StatedPurpose, ViewRequest};
use ehealth_core::context::Services;
use ehealth_core::domain::DataType;
use ehealth_core::CoreError;
use serde::Deserialize;
use serde_json::{json, Value};

use super::staff::{patient_ref, AccountSession, IdDocumentBody};
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurposeBody {
    pub care_episode_id: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewBody {
    /// The patient by eHR number, or by `id_document` (exactly one of them).
    pub ehr_number: Option<String>,
    pub id_document: Option<IdDocumentBody>,
    pub purpose: Option<PurposeBody>,
    pub data_types: Vec<String>,
}

fn stated_purpose(p: Option<&PurposeBody>) -> Result<Option<StatedPurpose>, CoreError> {
    let Some(p) = p else { return Ok(None) };
    match (&p.care_episode_id, &p.reason) {
        (Some(id), None) if id.len() <= 64 => Ok(Some(StatedPurpose::CareEpisode(id.clone()))),
        (None, Some(r)) if r.len() <= 500 => Ok(Some(StatedPurpose::Reason(r.trim().to_owned()))),
        _ => Err(CoreError::invalid(
            "purpose",
            "give care_episode_id or reason (at most 500 characters), not both",
        )),
    }
}

#[utoipa::path(post, path = "/v1/hcp/record-views", tag = "hcp", security(("bearer" = [])), request_body = ViewBody, responses((status = 200, description = "done", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody)))]
pub async fn handle(
    services: web::Data<Services>,
    session: AccountSession,
    body: web::Json<ViewBody>,
) -> Result<HttpResponse, ApiError> {
    if body.data_types.len() > DataType::ALL.len() {
        return Err(CoreError::invalid("data_types", "at most the eleven types").into());
    }
    let request = ViewRequest {
        account_id: session.account_id,
        patient: patient_ref(body.ehr_number.as_deref(), body.id_document.as_ref())?,
        purpose: stated_purpose(body.purpose.as_ref())?,
        data_types: DataType::parse_list("data_types", &body.data_types)?,
    };
    let view = blocking(move || {
        let mut conn = services.db.get()?;
        record_view::view(&mut conn, &request, Utc::now())
    })
    .await?;
    let records: Vec<Value> = view
        .records
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "data_type": r.data_type,
                "provider_id": r.provider_id,
                "created_at": r.created_at.and_utc().to_rfc3339(),
                "document": serde_json::from_str::<Value>(&r.document).unwrap_or(Value::Null),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "audit_seq": view.audit_seq,
        "granted": view.granted,
        "withheld": view.withheld.iter().map(|w| json!({
            "data_type": w.data_type, "reason": w.reason.code()
        })).collect::<Vec<_>>(),
        "records": records,
    })))
}
