//! The Office and SDM links (issue 14): `GET /v1/admin/patients/{ehr}/sdm-links` lists a
//! patient's links (current and ended); `POST /v1/admin/sdm-links/{id}/{end,suspend,reinstate}`
//! ends one, or suspends it while a dispute is resolved (acting is refused meanwhile).

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::sdm_links::{self, OfficeAction};
use ehealth_core::context::Services;
use ehealth_core::db::sdm::SdmLink;
use ehealth_core::db::{patients, sdm};
use ehealth_core::domain::AccountRole;
use ehealth_core::ids::EhrNumber;
use ehealth_core::CoreError;
use serde_json::{json, Value};

use crate::http::errors::{blocking, ApiError};
use crate::routes::app::input::ErrorBody;
use crate::routes::hcp::staff::AccountSession;

fn link_json(l: &SdmLink, sdm_name: Option<&str>) -> Value {
    json!({
        "id": l.id,
        "sdm_id": l.sdm_id,
        "sdm_name_en": sdm_name,
        "basis": l.basis,
        "relationship": l.relationship,
        "status": l.status,
        "valid_from": l.valid_from.and_utc().to_rfc3339(),
        "ended_at": l.ended_at.map(|t| t.and_utc().to_rfc3339()),
        "ended_reason": l.ended_reason,
        "documents": serde_json::from_str::<Value>(&l.documents).unwrap_or_default(),
    })
}

/// A patient's SDM links, oldest first.
#[utoipa::path(get, path = "/v1/admin/patients/{ehr}/sdm-links", tag = "admin", security(("bearer" = [])),
    params(("ehr" = String, Path, description = "eHR number")),
    responses((status = 200, description = "links", content_type = "application/json"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    services: web::Data<Services>,
    session: AccountSession,
    ehr: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let ehr = EhrNumber::parse(&ehr)?;
    let links = blocking(move || {
        let mut conn = services.db.get()?;
        session.authorise(&mut conn, AccountRole::Office)?;
        let patient = patients::find_by_ehr_number(&mut conn, ehr.as_str())?
            .ok_or(CoreError::NotFound("patient"))?;
        let rows = sdm::links_for_patient(&mut conn, &patient.id)?;
        Ok(rows
            .iter()
            .map(|(l, name)| link_json(l, Some(name)))
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "links": links })))
}

/// Ends, suspends or reinstates a link.
#[utoipa::path(post, path = "/v1/admin/sdm-links/{id}/{action}", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "link id"), ("action" = String, Path, description = "end, suspend or reinstate")),
    responses((status = 200, description = "the link", content_type = "application/json"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn change(
    services: web::Data<Services>,
    session: AccountSession,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    let action = match action.as_str() {
        "end" => OfficeAction::End,
        "suspend" => OfficeAction::Suspend,
        "reinstate" => OfficeAction::Reinstate,
        _ => return Err(CoreError::invalid("action", "must be end, suspend or reinstate").into()),
    };
    let link = blocking(move || {
        let mut conn = services.db.get()?;
        let staff = session.authorise(&mut conn, AccountRole::Office)?;
        sdm_links::office_change(&mut conn, &staff, &id, action, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Ok().json(link_json(&link, None)))
}
