//! `GET /v1/admin/log/consistency` (the consistency proof between two tree sizes) and
//! `GET /v1/admin/audit/{seq}/proof` (the inclusion proof of any entry), for the Office.

use actix_web::{web, HttpResponse};
use ehealth_core::actions::log_proofs;
use ehealth_core::context::Services;
use ehealth_core::db::audit_tree;
use ehealth_core::domain::AccountRole;
use ehealth_core::CoreError;
use serde::Deserialize;

use crate::http::errors::{blocking, ApiError};
use crate::routes::hcp::staff::AccountSession;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Sizes {
    /// The older tree size.
    pub from: u64,
    /// The newer tree size (default: the latest checkpoint's).
    pub to: Option<u64>,
}

#[utoipa::path(get, path = "/v1/admin/log/consistency", tag = "admin", security(("bearer" = [])), params(Sizes),
    responses((status = 200, description = "RFC 9162 consistency proof (base64 hashes) and the checkpoints of both sizes", content_type = "application/json"),
        (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody),
        (status = 403, body = crate::routes::app::input::ErrorBody), (status = 409, body = crate::routes::app::input::ErrorBody)))]
pub async fn consistency(
    services: web::Data<Services>,
    session: AccountSession,
    sizes: web::Query<Sizes>,
) -> Result<HttpResponse, ApiError> {
    let Sizes { from, to } = sizes.into_inner();
    let proof = blocking(move || {
        let mut conn = services.db.get()?;
        session.authorise(&mut conn, AccountRole::Office)?;
        log_proofs::consistency(&mut conn, from, to)
    })
    .await?;
    Ok(HttpResponse::Ok().json(proof))
}

#[utoipa::path(get, path = "/v1/admin/audit/{seq}/proof", tag = "admin", security(("bearer" = [])),
    params(("seq" = i64, Path, description = "an audit entry's seq")),
    responses((status = 200, description = "leaf bytes, RFC 9162 inclusion proof and signed checkpoint", content_type = "application/json"),
        (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody),
        (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody),
        (status = 409, body = crate::routes::app::input::ErrorBody)))]
pub async fn inclusion(
    services: web::Data<Services>,
    session: AccountSession,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let seq: i64 = path
        .into_inner()
        .parse()
        .map_err(|_| CoreError::invalid("seq", "must be an audit entry's seq"))?;
    let proof = blocking(move || {
        let mut conn = services.db.get()?;
        session.authorise(&mut conn, AccountRole::Office)?;
        let entry = audit_tree::entries_by_seq(&mut conn, &[seq])?
            .pop()
            .ok_or(CoreError::NotFound("audit entry"))?;
        log_proofs::inclusion(&mut conn, &entry)
    })
    .await?;
    Ok(HttpResponse::Ok().json(proof))
}
