//! `GET /v1/admin/form-consents?hcp_id=...`: the consents a provider recorded from signed
//! forms or smart HKIC reads, newest first, with their evidence (the identity document
//! type checked, the scanned form's number and SHA-256, who recorded it), for the
//! Office's audit. `before` (RFC 3339, the last `recorded_at` seen) pages.

use actix_web::{web, HttpResponse};
use chrono::DateTime;
use ehealth_core::context::Services;
use ehealth_core::db::form_consents::{self, Listed};
use ehealth_core::db::providers;
use ehealth_core::domain::AccountRole;
use ehealth_core::ids::ProviderId;
use ehealth_core::CoreError;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::errors::{blocking, ApiError};
use crate::routes::hcp::staff::AccountSession;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FormConsentQuery {
    pub hcp_id: String,
    pub before: Option<String>,
    pub limit: Option<i64>,
}

fn listed_json(l: &Listed) -> Value {
    let e = &l.evidence;
    json!({
        "consent_id": e.consent_id,
        "ehr_number": l.ehr_number,
        "account_id": e.account_id,
        "username": l.username,
        "channel": e.channel,
        "id_document_type": e.id_document_type,
        "form_number": e.form_number,
        "form_sha256": e.form_sha256,
        "consent_type": l.consent_type,
        "consent_status": l.consent_status,
        "recorded_at": e.recorded_at.and_utc().to_rfc3339(),
    })
}

#[utoipa::path(get, path = "/v1/admin/form-consents", tag = "admin", security(("bearer" = [])), params(FormConsentQuery), responses((status = 200, description = "form consents, newest first", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody)))]
pub async fn list(
    services: web::Data<Services>,
    session: AccountSession,
    query: web::Query<FormConsentQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let provider = ProviderId::parse(&q.hcp_id)?;
    let before = q
        .before
        .as_deref()
        .map(|t| {
            DateTime::parse_from_rfc3339(t)
                .map(|t| t.naive_utc())
                .map_err(|_| CoreError::invalid("before", "an RFC 3339 time"))
        })
        .transpose()?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(CoreError::invalid("limit", "1 to 500").into());
    }
    let listed = blocking(move || {
        let mut conn = services.db.get()?;
        session.authorise(&mut conn, AccountRole::Office)?;
        providers::find(&mut conn, provider.as_str())?.ok_or(CoreError::NotFound("provider"))?;
        Ok(form_consents::listing(
            &mut conn,
            provider.as_str(),
            before,
            limit,
        )?)
    })
    .await?;
    let next = (listed.len() as i64 == limit)
        .then(|| {
            listed
                .last()
                .map(|l| l.evidence.recorded_at.and_utc().to_rfc3339())
        })
        .flatten();
    Ok(HttpResponse::Ok().json(json!({
        "form_consents": listed.iter().map(listed_json).collect::<Vec<_>>(),
        "next_before": next,
    })))
}
