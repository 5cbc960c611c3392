//! `GET /v1/app/access-records`: who viewed the record, newest first, paged by cursor.

use actix_web::{web, HttpResponse};
use ehealth_core::actions::access_records;
use ehealth_core::context::Services;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::acting::Acting;
use super::input::ErrorBody;
use crate::http::errors::{blocking, ApiError};

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

impl AccessRecord {
    fn of(r: &access_records::AccessRecord) -> Self {
        Self {
            seq: r.seq,
            accessed_at: r.accessed_at.and_utc().to_rfc3339(),
            hcp_id: r.provider_id.clone(),
            provider_name_en: r.provider_name_en.clone(),
            provider_name_zh: r.provider_name_zh.clone(),
            profession: r.profession.clone(),
            data_types: r.data_types(),
            purpose: r.purpose.clone(),
            log_status: match r.leaf_index {
                Some(_) => "integrated",
                None => "pending",
            },
            leaf_index: r.leaf_index,
        }
    }
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
    let asked = access_records::PageRequest::parse(page.before, page.limit)?;
    let found = blocking(move || {
        let mut conn = services.db.get()?;
        access_records::page(&mut conn, &acting.patient_id, asked)
    })
    .await?;
    Ok(HttpResponse::Ok().json(AccessRecordPage {
        records: found.records.iter().map(AccessRecord::of).collect(),
        next_before: found.next_before,
    }))
}
