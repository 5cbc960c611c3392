//! `GET /v1/log/key`: the log's public key, to check checkpoint signatures with.

use actix_web::{web, HttpResponse};
use base64::Engine;
use ehealth_core::context::Services;
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::errors::ApiError;

#[derive(Debug, Serialize, ToSchema)]
pub struct LogKeyBody {
    /// The checkpoint origin and the signature line's key name.
    pub origin: String,
    /// Hex of the 4-byte signed-note key ID.
    pub key_id: String,
    /// Base64 of the 32-byte Ed25519 public key.
    pub public_key: String,
    /// The signed-note verifier key: `<name>+<key id>+<base64(0x01 || key)>`.
    pub verifier_key: String,
    pub algorithm: &'static str,
}

/// The public key (and key ID) that signs the log's checkpoints.
#[utoipa::path(get, path = "/v1/log/key", tag = "log",
    responses((status = 200, body = LogKeyBody), (status = 503, body = crate::routes::app::input::ErrorBody)))]
pub async fn show(services: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    let key = services.config.audit.signer()?.public();
    Ok(HttpResponse::Ok().json(LogKeyBody {
        origin: key.name.clone(),
        key_id: hex::encode(key.key_id()),
        public_key: base64::engine::general_purpose::STANDARD.encode(key.public.as_bytes()),
        verifier_key: key.verifier_key(),
        algorithm: "ed25519",
    }))
}
