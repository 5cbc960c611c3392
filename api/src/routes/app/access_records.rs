//! `GET /v1/app/access-records`: who viewed the record, newest first, paged by cursor.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use ehealth_core::context::Services;
use ehealth_core::db::{audit, audit_tree, providers};
use ehealth_core::CoreError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::acting::Acting;
use super::input::ErrorBody;
use crate::http::errors::{blocking, ApiError};

const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// The `next_before` of the previous page.
    pub before: Option<i64>,
    /// 1 to 100 (default 20).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessRecord {
    pub seq: i64,
    pub accessed_at: String,
    pub hcp_id: Option<String>,
    pub provider_name_en: Option<String>,
    pub provider_name_zh: Option<String>,
    pub profession: Option<String>,
    pub data_types: Vec<String>,
    pub purpose: Option<String>,
    /// `pending` until the entry is integrated into the verifiable log, then `integrated`.
    pub log_status: &'static str,
    /// The entry's leaf index in the log once integrated (its proof: `/{seq}/proof`).
    pub leaf_index: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessRecordPage {
    pub records: Vec<AccessRecord>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}

/// Who accessed the record: provider, profession, time, data types, purpose.
#[utoipa::path(get, path = "/v1/app/access-records", tag = "access records", security(("bearer" = [])), params(Page),
    responses((status = 200, body = AccessRecordPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    services: web::Data<Services>,
    acting: Acting,
    page: web::Query<Page>,
) -> Result<HttpResponse, ApiError> {
    let limit = page.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(CoreError::invalid("limit", "must be 1 to 100").into());
    }
    if page.before.is_some_and(|b| b < 1) {
        return Err(CoreError::invalid("before", "must be a cursor from a previous page").into());
    }
    let before = page.before;
    let body = blocking(move || {
        let mut conn = services.db.get()?;
        // One more than asked tells whether there is a next page.
        let mut rows = audit::granted_views(&mut conn, &acting.patient_id, before, limit + 1)?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let seqs: Vec<i64> = rows.iter().map(|e| e.seq).collect();
        let leaves = audit_tree::leaf_indexes(&mut conn, &seqs)?;
        let mut names = HashMap::new();
        let mut records = Vec::with_capacity(rows.len());
        for e in &rows {
            if let Some(id) = &e.provider_id {
                if !names.contains_key(id) {
                    names.insert(id.clone(), providers::find(&mut conn, id)?);
                }
            }
            let provider = e
                .provider_id
                .as_ref()
                .and_then(|id| names.get(id).cloned().flatten());
            records.push(AccessRecord {
                seq: e.seq,
                accessed_at: e.occurred_at.and_utc().to_rfc3339(),
                hcp_id: e.provider_id.clone(),
                provider_name_en: provider.as_ref().map(|p| p.name_en.clone()),
                provider_name_zh: provider.map(|p| p.name_zh),
                profession: e.profession.clone(),
                data_types: e
                    .data_types
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                purpose: e.purpose.clone(),
                log_status: if leaves.contains_key(&e.seq) {
                    "integrated"
                } else {
                    "pending"
                },
                leaf_index: leaves.get(&e.seq).copied(),
            });
        }
        let next_before = more.then(|| records.last().map(|r| r.seq)).flatten();
        Ok(AccessRecordPage {
            records,
            next_before,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}
