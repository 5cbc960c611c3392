//! `GET /v1/app/approvals`, `POST /v1/app/approvals/{id}/approve`,
//! `POST /v1/app/approvals/{id}/deny`: additional consent for restricted data.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::{active_patient, approval_decision};
use ehealth_core::context::Services;
use ehealth_core::db::approvals::{self, Approval};
use serde::Serialize;
use utoipa::ToSchema;

use super::acting::Acting;
use super::input::ErrorBody;
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalView {
    pub id: String,
    pub hcp_id: String,
    pub data_types: Vec<String>,
    pub reason: String,
    /// `pending`, `approved` or `denied`
    pub status: String,
    pub created_at: String,
    pub expires_at: String,
    pub decided_at: Option<String>,
    pub decided_by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalList {
    pub approvals: Vec<ApprovalView>,
}

fn view(a: &Approval) -> ApprovalView {
    ApprovalView {
        id: a.id.clone(),
        hcp_id: a.provider_id.clone(),
        data_types: a
            .data_types
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        reason: a.reason.clone(),
        status: a.status.clone(),
        created_at: a.created_at.and_utc().to_rfc3339(),
        expires_at: a.expires_at.and_utc().to_rfc3339(),
        decided_at: a.decided_at.map(|t| t.and_utc().to_rfc3339()),
        decided_by: a.decided_by_kind.clone(),
    }
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

async fn decide(
    services: web::Data<Services>,
    acting: Acting,
    id: String,
    approve: bool,
) -> Result<HttpResponse, ApiError> {
    let row = blocking(move || {
        let mut conn = services.db.get()?;
        approval_decision::decide(
            &mut conn,
            &acting.patient_id,
            &id,
            approve,
            &acting.actor,
            Utc::now(),
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(view(&row)))
}

/// Approves the request.
#[utoipa::path(post, path = "/v1/app/approvals/{id}/approve", tag = "approvals", security(("bearer" = [])),
    params(("id" = String, Path, description = "approval id")),
    responses((status = 200, body = ApprovalView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve(
    services: web::Data<Services>,
    acting: Acting,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    decide(services, acting, id.into_inner(), true).await
}

/// Denies the request.
#[utoipa::path(post, path = "/v1/app/approvals/{id}/deny", tag = "approvals", security(("bearer" = [])),
    params(("id" = String, Path, description = "approval id")),
    responses((status = 200, body = ApprovalView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn deny(
    services: web::Data<Services>,
    acting: Acting,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    decide(services, acting, id.into_inner(), false).await
}
