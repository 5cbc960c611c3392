//! Verifying a substitute decision maker at a counter or the Office (issue 14):
//! `GET /v1/hcp/sdm-applications/{id}` shows the pending application (both people, the
//! relationship, the documents to check); `POST /v1/hcp/sdm-verifications` completes it
//! once both identity documents and the relationship documents are checked (the patient
//! registered if not already, the link made, both told); `POST /v1/hcp/sdm-links/end`
//! ends a patient's links when they have regained capacity.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::accounts;
use ehealth_core::actions::sdm_links::{self, SdmVerification};
use ehealth_core::context::Services;
use ehealth_core::db::{applications, sdm};
use ehealth_core::domain::{AccountRole, ApplicationStatus};
use ehealth_core::CoreError;
use ehealth_core::ErrorCode;
use serde::Deserialize;
use serde_json::json;

use super::staff::{AccountSession, IdDocumentBody};
use crate::http::errors::{blocking, ApiError};
use crate::routes::app::input::ErrorBody;

fn counter_or_office(role: AccountRole) -> Result<(), CoreError> {
    if matches!(role, AccountRole::Hcprof | AccountRole::Office) {
        Ok(())
    } else {
        Err(CoreError::refused(
            ErrorCode::WrongRole,
            "this needs an hcprof or office account",
        ))
    }
}

/// The pending SDM application, for the professional to check against the documents.
#[utoipa::path(get, path = "/v1/hcp/sdm-applications/{id}", tag = "hcp", security(("bearer" = [])),
    params(("id" = String, Path, description = "the application id the applicant shows")),
    responses((status = 200, description = "the application", content_type = "application/json"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    services: web::Data<Services>,
    session: AccountSession,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = blocking(move || {
        let mut conn = services.db.get()?;
        let staff = accounts::authorise(&mut conn, &session.account_id)?;
        counter_or_office(staff.role)?;
        let app = applications::find(&mut conn, &id)?.ok_or(CoreError::NotFound("application"))?;
        let pending = sdm::application(&mut conn, &id)?.ok_or(CoreError::NotFound("application"))?;
        if app.status != ApplicationStatus::PendingIdentityVerification {
            return Err(CoreError::NotFound("application"));
        }
        let documents: serde_json::Value =
            serde_json::from_str(&pending.documents).unwrap_or_default();
        let means: Vec<&str> = [
            app.notify_sms.then_some("sms"),
            app.notify_email.then_some("email"),
            app.notify_post.then_some("post"),
        ]
        .into_iter()
        .flatten()
        .collect();
        Ok(json!({
            "id": app.id,
            "status": app.status,
            "patient": {
                "id_document": { "type": app.id_doc_type, "number": app.id_doc_number, "place": app.id_doc_place },
                "name_en": app.name_en,
                "name_zh": app.name_zh,
                "date_of_birth": app.date_of_birth.to_string(),
                "sex": app.sex,
                "mobile": app.mobile,
                "email": app.email,
                "postal_address": app.postal_address,
                "notification_means": means,
            },
            "sdm": {
                "name_en": pending.sdm_name_en,
                "name_zh": pending.sdm_name_zh,
                "date_of_birth": pending.sdm_date_of_birth.to_string(),
                "mobile": pending.sdm_mobile,
            },
            "relationship": pending.relationship,
            "basis": pending.basis,
            "documents": documents,
        }))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(body))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SdmVerificationBody {
    pub application_id: String,
    /// The patient's identity document, as checked.
    pub patient_id_document: IdDocumentBody,
    /// The SDM's identity document, as checked.
    pub sdm_id_document: IdDocumentBody,
    /// The documents proving the relationship were seen and are genuine.
    pub relationship_documents_checked: bool,
}

/// Completes a pending SDM application: patient registered if not already, link made,
/// both told (the patient by their selected means, the SDM by SMS).
#[utoipa::path(post, path = "/v1/hcp/sdm-verifications", tag = "hcp", security(("bearer" = [])), request_body = SdmVerificationBody,
    responses((status = 201, description = "linked", content_type = "application/json"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn handle(
    services: web::Data<Services>,
    session: AccountSession,
    body: web::Json<SdmVerificationBody>,
) -> Result<HttpResponse, ApiError> {
    let req = SdmVerification {
        application_id: body.application_id.clone(),
        patient_document: body.patient_id_document.parse().map_err(|e| match e {
            CoreError::InvalidInput { reason, .. } => {
                CoreError::invalid("patient_id_document", reason)
            }
            other => other,
        })?,
        sdm_document: body.sdm_id_document.parse().map_err(|e| match e {
            CoreError::InvalidInput { reason, .. } => CoreError::invalid("sdm_id_document", reason),
            other => other,
        })?,
        relationship_documents_checked: body.relationship_documents_checked,
    };
    let done = blocking(move || {
        let mut conn = services.db.get()?;
        let staff = accounts::authorise(&mut conn, &session.account_id)?;
        sdm_links::complete(&mut conn, &services.hasher, &staff, &req, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({
            "link_id": done.link.id,
            "sdm_id": done.sdm.id,
            "patient_id": done.patient.id,
            "ehr_number": done.patient.ehr_number,
            "relationship": done.link.relationship,
            "basis": done.link.basis,
            "patient_registered_now": done.registered.is_some(),
            "access_key": done.registered.as_ref().map(|r| r.access_key.expose().to_owned()),
        })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapacityRegainedBody {
    /// The patient's identity document, checked at the counter.
    pub patient_id_document: IdDocumentBody,
    /// The patient confirms in person that they manage their own record again.
    pub patient_confirmed: bool,
}

/// The patient has regained capacity: every current SDM link of theirs ends.
#[utoipa::path(post, path = "/v1/hcp/sdm-links/end", tag = "hcp", security(("bearer" = [])), request_body = CapacityRegainedBody,
    responses((status = 200, description = "links ended", content_type = "application/json"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn end_for_capacity(
    services: web::Data<Services>,
    session: AccountSession,
    body: web::Json<CapacityRegainedBody>,
) -> Result<HttpResponse, ApiError> {
    if !body.patient_confirmed {
        return Err(
            CoreError::invalid("patient_confirmed", "the patient must confirm in person").into(),
        );
    }
    let document = body.patient_id_document.parse()?;
    let ended = blocking(move || {
        let mut conn = services.db.get()?;
        let staff = accounts::authorise(&mut conn, &session.account_id)?;
        sdm_links::end_at_counter(&mut conn, &staff, &document, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "links_ended": ended })))
}
