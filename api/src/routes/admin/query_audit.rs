//! `GET /v1/admin/audit` (search the access audit log, newest first, by patient, provider,
//! account, event, outcome; `before_seq` pages) and `GET /v1/admin/audit/verify` (check the
//! verifiable log against its signed checkpoints, incrementally).

use actix_web::{web, HttpResponse};
use ehealth_core::actions::audit_verify;
use ehealth_core::context::Services;
use ehealth_core::db::audit::{self, AuditEntry, AuditFilter};
use ehealth_core::db::patients;
use ehealth_core::domain::{AccountRole, AuditAction, AuditOutcome};
use ehealth_core::ids::{EhrNumber, ProviderId};
use ehealth_core::CoreError;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::errors::{blocking, ApiError};
use crate::routes::hcp::staff::AccountSession;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub ehr_number: Option<String>,
    pub hcp_id: Option<String>,
    pub account_id: Option<String>,
    pub event: Option<String>,
    pub outcome: Option<String>,
    pub before_seq: Option<i64>,
    pub limit: Option<i64>,
}

pub fn entry_json(e: &AuditEntry) -> Value {
    json!({
        "seq": e.seq,
        "occurred_at": e.occurred_at.and_utc().to_rfc3339(),
        "event": e.event,
        "actor_kind": e.actor_kind,
        "actor_id": e.actor_id,
        "provider_id": e.provider_id,
        "profession": e.profession,
        "patient_id": e.patient_id,
        "data_types": e.data_types.split(',').filter(|s| !s.is_empty()).collect::<Vec<_>>(),
        "purpose": e.purpose,
        "outcome": e.outcome,
        "reason": e.reason,
        "details": serde_json::from_str::<Value>(&e.details).unwrap_or(Value::Null),
        "hash": e.hash,
    })
}

#[utoipa::path(get, path = "/v1/admin/audit", tag = "admin", security(("bearer" = [])), params(AuditQuery), responses((status = 200, description = "done", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody)))]
pub async fn search(
    services: web::Data<Services>,
    session: AccountSession,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let ehr = q.ehr_number.as_deref().map(EhrNumber::parse).transpose()?;
    let provider = q.hcp_id.as_deref().map(ProviderId::parse).transpose()?;
    let event = q.event.as_deref().map(AuditAction::parse).transpose()?;
    let outcome = q.outcome.as_deref().map(AuditOutcome::parse).transpose()?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(CoreError::invalid("limit", "1 to 500").into());
    }
    let entries = blocking(move || {
        let mut conn = services.db.get()?;
        session.authorise(&mut conn, AccountRole::Office)?;
        let patient_id = match ehr {
            Some(e) => Some(
                patients::find_by_ehr_number(&mut conn, e.as_str())?
                    .ok_or(CoreError::NotFound("patient"))?
                    .id,
            ),
            None => None,
        };
        let filter = AuditFilter {
            patient_id,
            provider_id: provider.map(|p| p.as_str().to_owned()),
            actor_id: q.account_id,
            event,
            outcome,
            before_seq: q.before_seq,
            limit,
        };
        Ok(audit::search(&mut conn, &filter)?)
    })
    .await?;
    let next = (entries.len() as i64 == limit)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    Ok(HttpResponse::Ok().json(json!({
        "entries": entries.iter().map(entry_json).collect::<Vec<_>>(),
        "next_before_seq": next,
    })))
}

#[utoipa::path(get, path = "/v1/admin/audit/verify", tag = "admin", security(("bearer" = [])), responses((status = 200, description = "done", content_type = "application/json"), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody)))]
pub async fn verify(
    services: web::Data<Services>,
    session: AccountSession,
) -> Result<HttpResponse, ApiError> {
    let report = blocking(move || {
        let mut conn = services.db.get()?;
        session.authorise(&mut conn, AccountRole::Office)?;
        let key = services.config.audit.signer()?.public();
        audit_verify::verify(&mut conn, &key, false, chrono::Utc::now())
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({
        "intact": report.is_intact(),
        "tree_size": report.tree_size,
        "from_size": report.from_size,
        "leaves_checked": report.leaves_checked,
        "problem": report.problem,
    })))
}
