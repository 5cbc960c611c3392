//! What the approval handlers share: the view of a request for restricted data, and the
//! decision on it.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::approval_decision;
use ehealth_core::context::Services;
use ehealth_core::db::approvals::Approval;
use serde::Serialize;
use utoipa::ToSchema;

use super::acting::Acting;
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

pub(super) fn view(a: &Approval) -> ApprovalView {
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
        status: a.status.to_string(),
        created_at: a.created_at.and_utc().to_rfc3339(),
        expires_at: a.expires_at.and_utc().to_rfc3339(),
        decided_at: a.decided_at.map(|t| t.and_utc().to_rfc3339()),
        decided_by: a.decided_by_kind.map(|k| k.to_string()),
    }
}

pub(super) async fn decide(
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
