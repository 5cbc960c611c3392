//! `GET /v1/app/approvals`: additional consent for restricted data.

use actix_web::{web, HttpResponse};
use ehealth_core::actions::active_patient;
use ehealth_core::context::Services;
use ehealth_core::db::approvals;
use serde::Serialize;
use utoipa::ToSchema;

use super::acting::Acting;
use super::approval_view::{view, ApprovalView};
use super::input::ErrorBody;
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalList {
    pub approvals: Vec<ApprovalView>,
}

/// Requests for restricted data types, newest first.
#[utoipa::path(get, path = "/v1/app/approvals", tag = "approvals", security(("bearer" = [])),
    responses((status = 200, body = ApprovalList), (status = 401, body = ErrorBody)))]
pub async fn list(services: web::Data<Services>, acting: Acting) -> Result<HttpResponse, ApiError> {
    let rows = blocking(move || {
        let mut conn = services.db.get()?;
        active_patient(&mut conn, &acting.patient_id)?;
        Ok(approvals::for_patient(&mut conn, &acting.patient_id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ApprovalList {
        approvals: rows.iter().map(view).collect(),
    }))
}
