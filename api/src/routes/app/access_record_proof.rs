//! `GET /v1/app/access-records/{seq}/proof`: the proof that an access the patient is shown
//! is in the one log the Office publishes.

use actix_web::{web, HttpResponse};
use ehealth_core::actions::log_proofs::{self, InclusionProof};
use ehealth_core::context::Services;
use ehealth_core::db::audit;
use ehealth_core::CoreError;
use serde::Serialize;
use utoipa::ToSchema;

use super::acting::Acting;
use super::input::ErrorBody;
use crate::http::errors::{blocking, ApiError};

/// The OpenAPI shape of `InclusionProof` (core stays free of utoipa).
#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionProofBody {
    pub seq: i64,
    pub leaf_index: u64,
    pub tree_size: u64,
    /// The leaf bytes (JSON text, docs/verifiable-log.md).
    pub leaf: String,
    /// Hex of SHA-256(0x00 || leaf).
    pub leaf_hash: String,
    /// Base64 hashes, the leaf's sibling first (RFC 9162 §2.1.3).
    pub inclusion_proof: Vec<String>,
    /// The signed checkpoint the proof is against.
    pub checkpoint: String,
}

/// The leaf bytes, inclusion proof and signed checkpoint of one of the patient's access
/// records; 409 `log_entry_pending` until it is integrated (about a second).
#[utoipa::path(get, path = "/v1/app/access-records/{seq}/proof", tag = "access records", security(("bearer" = [])),
    params(("seq" = i64, Path, description = "the access record's seq")),
    responses((status = 200, body = InclusionProofBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn show(
    services: web::Data<Services>,
    acting: Acting,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let seq: i64 = path
        .into_inner()
        .parse()
        .map_err(|_| CoreError::invalid("seq", "must be an access record's seq"))?;
    let proof: InclusionProof = blocking(move || {
        let mut conn = services.db.get()?;
        let entry = audit::granted_view(&mut conn, &acting.patient_id, seq)?
            .ok_or(CoreError::NotFound("access record"))?;
        log_proofs::inclusion(&mut conn, &entry)
    })
    .await?;
    Ok(HttpResponse::Ok().json(proof))
}
