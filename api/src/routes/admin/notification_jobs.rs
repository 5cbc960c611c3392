//! `GET /v1/admin/notification-jobs` (notifications that ran out of attempts, newest
//! first) and `POST /v1/admin/notification-jobs/{id}/retry` (put one back in the queue).
//! The payload is never shown: it may hold a message not yet scrubbed of a secret.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::dead_jobs;
use ehealth_core::context::Services;
use ehealth_core::db::jobs::Job;
use ehealth_core::domain::AccountRole;
use ehealth_core::CoreError;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::errors::{blocking, ApiError};
use crate::routes::hcp::staff::AccountSession;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeadJobsQuery {
    pub limit: Option<i64>,
}

fn job_json(j: &Job) -> Value {
    json!({
        "id": j.id,
        "job_type": j.job_type,
        "channel": j.channel,
        "patient_id": j.patient_id,
        "status": j.status,
        "attempts": j.attempts,
        "last_error": j.last_error,
        "created_at": j.created_at.and_utc().to_rfc3339(),
        "updated_at": j.updated_at.and_utc().to_rfc3339(),
    })
}

#[utoipa::path(get, path = "/v1/admin/notification-jobs", tag = "admin", security(("bearer" = [])), params(DeadJobsQuery), responses((status = 200, description = "dead jobs, newest first", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody)))]
pub async fn list(
    services: web::Data<Services>,
    session: AccountSession,
    query: web::Query<DeadJobsQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(CoreError::invalid("limit", "1 to 500").into());
    }
    let jobs = blocking(move || {
        let mut conn = services.db.get()?;
        session.authorise(&mut conn, AccountRole::Office)?;
        dead_jobs::list(&mut conn, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "jobs": jobs.iter().map(job_json).collect::<Vec<_>>() })))
}

#[utoipa::path(post, path = "/v1/admin/notification-jobs/{id}/retry", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "a dead job's id")), responses((status = 200, description = "back in the queue", content_type = "application/json"), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody)))]
pub async fn retry(
    services: web::Data<Services>,
    session: AccountSession,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    if id.len() > 64 {
        return Err(CoreError::NotFound("job").into());
    }
    let job = blocking(move || {
        let mut conn = services.db.get()?;
        let office = session.authorise(&mut conn, AccountRole::Office)?;
        dead_jobs::retry(&mut conn, &office.actor(), &id, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Ok().json(job_json(&job)))
}
