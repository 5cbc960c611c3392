//! The leaf encoding, version 1 (docs/verifiable-log.md): a JSON array with no
//! whitespace, fields in a fixed order, every field a string, an integer or null.
//! `details` is the entry's stored JSON text as a string (not re-encoded), so the bytes
//! never depend on how a JSON library orders object keys.

use serde_json::json;

use super::merkle::{leaf_hash, Hash};
use crate::db::audit::AuditEntry;

pub const LEAF_VERSION: &str = "ehealth-audit-leaf/v1";

/// The bytes whose `SHA-256(0x00 || bytes)` is the entry's leaf hash.
pub fn leaf_bytes(e: &AuditEntry) -> Vec<u8> {
    json!([
        LEAF_VERSION,
        e.seq,
        e.occurred_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        e.event,
        e.actor_kind,
        e.actor_id,
        e.provider_id,
        e.profession,
        e.patient_id,
        e.data_types,
        e.purpose,
        e.outcome,
        e.reason,
        e.details,
    ])
    .to_string()
    .into_bytes()
}

pub fn entry_leaf_hash(e: &AuditEntry) -> Hash {
    leaf_hash(&leaf_bytes(e))
}
