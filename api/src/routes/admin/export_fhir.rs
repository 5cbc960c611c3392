//! `GET /v1/admin/patients/{ehr}/fhir/Consent` and `.../fhir/AuditEvent`: a patient's
//! consents and access log as FHIR R4 searchset Bundles (`application/fhir+json`). On
//! these routes an error is a FHIR `OperationOutcome` (same status), not our JSON.

use actix_web::body::to_bytes;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse, ResponseError};
use chrono::Utc;
use ehealth_core::actions::fhir;
use ehealth_core::context::Services;
use ehealth_core::domain::AccountRole;
use ehealth_core::ids::EhrNumber;
use serde_json::{json, Value};

use crate::http::errors::{blocking, ApiError};
use crate::routes::hcp::staff::AccountSession;

const FHIR_JSON: &str = "application/fhir+json";
/// The system of our stable error codes inside an OperationOutcome.
const ERROR_CODE_SYSTEM: &str = "urn:ehealth:error-code";

fn fhir_json(body: &Value) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(FHIR_JSON)
        .body(body.to_string())
}

/// The issue type (R4 `issue-type`, a required binding) for an HTTP status.
fn issue_type(status: u16) -> &'static str {
    match status {
        401 => "login",
        403 => "forbidden",
        404 => "not-found",
        409 => "conflict",
        429 => "throttled",
        400..=499 => "invalid",
        _ => "exception",
    }
}

/// Our error as an OperationOutcome: the answer `ApiError` would give (status, code,
/// message; 5xx logged there), re-dressed, so both say the same.
pub async fn outcome(err: ApiError) -> HttpResponse {
    let ours = err.error_response();
    let status = ours.status();
    let body: Value = to_bytes(ours.into_body())
        .await
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    let code = body["error"]["code"].as_str().unwrap_or("internal_error");
    let message = body["error"]["message"]
        .as_str()
        .unwrap_or("the request failed");
    operation_outcome(status, code, message)
}

fn operation_outcome(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    let outcome = json!({
        "resourceType": "OperationOutcome",
        "issue": [{
            "severity": "error",
            "code": issue_type(status.as_u16()),
            "details": { "coding": [{ "system": ERROR_CODE_SYSTEM, "code": code }], "text": message },
        }],
    });
    HttpResponse::build(status)
        .content_type(FHIR_JSON)
        .body(outcome.to_string())
}

async fn export(
    services: web::Data<Services>,
    session: Result<AccountSession, ApiError>,
    ehr: String,
    make: fn(&mut ehealth_core::db::DbConn, &EhrNumber) -> ehealth_core::CoreResult<Value>,
) -> HttpResponse {
    let done = async move {
        let session = session?;
        let ehr = EhrNumber::parse(&ehr)?;
        blocking(move || {
            let mut conn = services.db.get()?;
            session.authorise(&mut conn, AccountRole::Office)?;
            make(&mut conn, &ehr)
        })
        .await
    };
    match done.await {
        Ok(bundle) => fhir_json(&bundle),
        Err(e) => outcome(e).await,
    }
}

#[utoipa::path(get, path = "/v1/admin/patients/{ehr}/fhir/Consent", tag = "admin", security(("bearer" = [])), params(("ehr" = String, Path, description = "12-digit eHR number")), responses((status = 200, description = "done", content_type = "application/fhir+json"), (status = 400, description = "OperationOutcome", content_type = "application/fhir+json"), (status = 401, description = "OperationOutcome", content_type = "application/fhir+json"), (status = 403, description = "OperationOutcome", content_type = "application/fhir+json"), (status = 404, description = "OperationOutcome", content_type = "application/fhir+json")))]
pub async fn consents(
    services: web::Data<Services>,
    session: Result<AccountSession, ApiError>,
    path: web::Path<String>,
) -> HttpResponse {
    export(services, session, path.into_inner(), |c, ehr| {
        fhir::consents_bundle(c, ehr, Utc::now())
    })
    .await
}

#[utoipa::path(get, path = "/v1/admin/patients/{ehr}/fhir/AuditEvent", tag = "admin", security(("bearer" = [])), params(("ehr" = String, Path, description = "12-digit eHR number")), responses((status = 200, description = "done", content_type = "application/fhir+json"), (status = 400, description = "OperationOutcome", content_type = "application/fhir+json"), (status = 401, description = "OperationOutcome", content_type = "application/fhir+json"), (status = 403, description = "OperationOutcome", content_type = "application/fhir+json"), (status = 404, description = "OperationOutcome", content_type = "application/fhir+json")))]
pub async fn audit_events(
    services: web::Data<Services>,
    session: Result<AccountSession, ApiError>,
    path: web::Path<String>,
) -> HttpResponse {
    export(services, session, path.into_inner(), |c, ehr| {
        fhir::audit_events_bundle(c, ehr, Utc::now())
    })
    .await
}

/// Any other resource type under `.../fhir/`: not exported (an OperationOutcome, 404).
pub async fn unsupported(path: web::Path<(String, String)>) -> HttpResponse {
    let (_, kind) = path.into_inner();
    let message = format!("{kind} is not exported here; Consent and AuditEvent are");
    operation_outcome(StatusCode::NOT_FOUND, "fhir_type_unsupported", &message)
}
