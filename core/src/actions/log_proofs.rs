//! Proofs served by the api: an entry's inclusion in the latest checkpoint's tree, and the
//! consistency of two tree sizes. Built from the stored complete subtrees.

use crate::ErrorCode;
use serde::Serialize;

use crate::db::audit::AuditEntry;
use crate::db::audit_tree::{self, StoredCheckpoint};
use crate::db::DbConn;
use crate::tlog::leaf::leaf_bytes;
use crate::tlog::merkle::{consistency_proof, inclusion_proof, leaf_hash, Hash};
use crate::{CoreError, CoreResult};

#[derive(Debug, Clone, Serialize)]
pub struct InclusionProof {
    pub seq: i64,
    pub leaf_index: u64,
    pub tree_size: u64,
    /// The leaf bytes (UTF-8 JSON, docs/verifiable-log.md), as text.
    pub leaf: String,
    /// Hex of `SHA-256(0x00 || leaf)`.
    pub leaf_hash: String,
    /// Base64 of each proof hash, the leaf's sibling first (RFC 9162 §2.1.3).
    pub inclusion_proof: Vec<String>,
    /// The signed checkpoint (C2SP tlog-checkpoint) the proof is against.
    pub checkpoint: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConsistencyProof {
    pub from_size: u64,
    pub to_size: u64,
    /// Base64 of each hash (RFC 9162 §2.1.4).
    pub consistency_proof: Vec<String>,
    /// The stored signed checkpoints of both sizes, when there are some.
    pub from_checkpoint: Option<String>,
    pub to_checkpoint: Option<String>,
}

fn b64(hashes: &[Hash]) -> Vec<String> {
    use base64::Engine;
    hashes
        .iter()
        .map(|h| base64::engine::general_purpose::STANDARD.encode(h))
        .collect()
}

fn latest(conn: &mut DbConn) -> CoreResult<StoredCheckpoint> {
    audit_tree::latest_checkpoint(conn)?.ok_or_else(|| {
        CoreError::conflict(
            ErrorCode::LogNotStarted,
            "the log has no signed checkpoint yet",
        )
    })
}

/// The inclusion proof of `entry` in the latest checkpoint's tree; a conflict while the
/// entry is still pending.
pub fn inclusion(conn: &mut DbConn, entry: &AuditEntry) -> CoreResult<InclusionProof> {
    let pending = || {
        CoreError::conflict(
            ErrorCode::LogEntryPending,
            "the entry is not integrated into the log yet; try again in a second",
        )
    };
    let index = audit_tree::leaf_indexes(conn, &[entry.seq])?
        .get(&entry.seq)
        .copied()
        .ok_or_else(pending)? as u64;
    let cp = latest(conn)?;
    let size = cp.tree_size as u64;
    if index >= size {
        return Err(pending());
    }
    let proof = inclusion_proof(index, size, &mut |l, i| {
        audit_tree::node_required(conn, l, i)
    })?;
    let bytes = leaf_bytes(entry);
    Ok(InclusionProof {
        seq: entry.seq,
        leaf_index: index,
        tree_size: size,
        leaf_hash: hex::encode(leaf_hash(&bytes)),
        leaf: String::from_utf8_lossy(&bytes).into_owned(),
        inclusion_proof: b64(&proof),
        checkpoint: cp.note,
    })
}

/// The consistency proof from `from` to `to` (default: the latest checkpoint's size).
pub fn consistency(conn: &mut DbConn, from: u64, to: Option<u64>) -> CoreResult<ConsistencyProof> {
    let latest = latest(conn)?.tree_size as u64;
    let to = to.unwrap_or(latest);
    if to > latest {
        return Err(CoreError::invalid(
            "to",
            format!("the tree has {latest} leaves"),
        ));
    }
    if from > to {
        return Err(CoreError::invalid("from", "must not be larger than to"));
    }
    let proof = consistency_proof(from, to, &mut |l, i| audit_tree::node_required(conn, l, i))?;
    Ok(ConsistencyProof {
        from_size: from,
        to_size: to,
        consistency_proof: b64(&proof),
        from_checkpoint: audit_tree::checkpoint_at(conn, from)?.map(|c| c.note),
        to_checkpoint: audit_tree::checkpoint_at(conn, to)?.map(|c| c.note),
    })
}
