//! `GET /v1/admin/patients/{ehr}/fhir/Consent` and `.../fhir/AuditEvent`: a patient's
//! consents and access log as FHIR R4 searchset Bundles (`application/fhir+json`).

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::fhir;
use ehealth_core::context::Services;
use ehealth_core::domain::AccountRole;
use ehealth_core::ids::EhrNumber;

use crate::http::errors::{blocking, ApiError};
use crate::routes::hcp::staff::AccountSession;

fn fhir_json(body: serde_json::Value) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/fhir+json")
        .body(body.to_string())
}

#[utoipa::path(get, path = "/v1/admin/patients/{ehr}/fhir/Consent", tag = "admin", security(("bearer" = [])), params(("ehr" = String, Path, description = "12-digit eHR number")), responses((status = 200, description = "done", content_type = "application/fhir+json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody)))]
pub async fn consents(
    services: web::Data<Services>,
    session: AccountSession,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let ehr = EhrNumber::parse(&path.into_inner())?;
    let bundle = blocking(move || {
        let mut conn = services.db.get()?;
        session.authorise(&mut conn, AccountRole::Office)?;
        fhir::consents_bundle(&mut conn, &ehr, Utc::now())
    })
    .await?;
    Ok(fhir_json(bundle))
}

#[utoipa::path(get, path = "/v1/admin/patients/{ehr}/fhir/AuditEvent", tag = "admin", security(("bearer" = [])), params(("ehr" = String, Path, description = "12-digit eHR number")), responses((status = 200, description = "done", content_type = "application/fhir+json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody)))]
pub async fn audit_events(
    services: web::Data<Services>,
    session: AccountSession,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let ehr = EhrNumber::parse(&path.into_inner())?;
    let bundle = blocking(move || {
        let mut conn = services.db.get()?;
        session.authorise(&mut conn, AccountRole::Office)?;
        fhir::audit_events_bundle(&mut conn, &ehr)
    })
    .await?;
    Ok(fhir_json(bundle))
}
