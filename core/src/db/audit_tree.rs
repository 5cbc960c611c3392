//! The stored Merkle tree of the access log: leaves (leaf index -> entry seq), complete
//! subtree hashes, signed checkpoints, the sequencer's head row and the last checkpoint
//! `ehealth audit verify` verified.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::AuditEntry;
use super::schema::{
    audit_checkpoints as checkpoints, audit_leaves as leaves, audit_log as log,
    audit_pending as pending, audit_tree_head as head, audit_tree_nodes as nodes,
    audit_verified as verified,
};
use super::DbConn;
use crate::tlog::merkle::{frontier_nodes, CompactRange, Hash};

/// Runs a statement on the concrete connection: diesel's multi-backend connection cannot
/// run a multi-row insert, each backend's own can.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            DbConn::Sqlite($c) => $body,
            DbConn::Postgres($c) => $body,
        }
    };
}

/// Rows per multi-row insert: well under both backends' bind-parameter limits.
const CHUNK: usize = 2_000;

fn to_hash(v: Vec<u8>) -> QueryResult<Hash> {
    Hash::try_from(v).map_err(|_| {
        diesel::result::Error::DeserializationError("a stored tree hash is not 32 bytes".into())
    })
}

/// Locks the head row (the sequencers' mutual exclusion on both backends: the second
/// waits, then sees the first's work) and returns the integrated tree size.
pub fn lock_head(conn: &mut DbConn) -> QueryResult<u64> {
    diesel::update(head::table.find(1))
        .set(head::tree_size.eq(head::tree_size))
        .execute(conn)?;
    tree_size(conn)
}

pub fn tree_size(conn: &mut DbConn) -> QueryResult<u64> {
    let size: i64 = head::table.find(1).select(head::tree_size).first(conn)?;
    Ok(size as u64)
}

pub fn set_tree_size(conn: &mut DbConn, size: u64) -> QueryResult<()> {
    diesel::update(head::table.find(1))
        .set(head::tree_size.eq(size as i64))
        .execute(conn)
        .map(drop)
}

/// The oldest pending entries (by seq), at most `limit`.
pub fn pending_entries(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<AuditEntry>> {
    let seqs: Vec<i64> = pending::table
        .select(pending::seq)
        .order(pending::seq)
        .limit(limit)
        .load(conn)?;
    entries_by_seq(conn, &seqs)
}

/// The entries with these seqs, in seq order; missing ones are left out.
pub fn entries_by_seq(conn: &mut DbConn, seqs: &[i64]) -> QueryResult<Vec<AuditEntry>> {
    let mut out = Vec::with_capacity(seqs.len());
    for chunk in seqs.chunks(CHUNK) {
        out.extend(
            log::table
                .filter(log::seq.eq_any(chunk))
                .order(log::seq)
                .select(AuditEntry::as_select())
                .load(conn)?,
        );
    }
    out.sort_by_key(|e| e.seq);
    Ok(out)
}

pub fn pending_count(conn: &mut DbConn) -> QueryResult<i64> {
    pending::table.count().get_result(conn)
}

pub fn node(conn: &mut DbConn, level: u32, idx: u64) -> QueryResult<Option<Hash>> {
    nodes::table
        .find((level as i32, idx as i64))
        .select(nodes::hash)
        .first::<Vec<u8>>(conn)
        .optional()?
        .map(to_hash)
        .transpose()
}

/// A stored node, or `NotFound`: for proofs, where every needed node must exist.
pub fn node_required(conn: &mut DbConn, level: u32, idx: u64) -> QueryResult<Hash> {
    node(conn, level, idx)?.ok_or(diesel::result::Error::NotFound)
}

/// The compact range of the first `size` leaves, from the stored nodes.
pub fn compact_range(conn: &mut DbConn, size: u64) -> QueryResult<CompactRange> {
    let hashes = frontier_nodes(size)
        .into_iter()
        .map(|(level, idx)| node_required(conn, level, idx))
        .collect::<QueryResult<Vec<_>>>()?;
    CompactRange::from_parts(size, hashes).ok_or(diesel::result::Error::NotFound)
}

pub fn insert_nodes(conn: &mut DbConn, new: &[(u32, u64, Hash)]) -> QueryResult<()> {
    for chunk in new.chunks(CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(l, i, h)| {
                (
                    nodes::level.eq(*l as i32),
                    nodes::idx.eq(*i as i64),
                    nodes::hash.eq(h.to_vec()),
                )
            })
            .collect();
        on_backend!(&mut *conn, |c| diesel::insert_into(nodes::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}

/// Records `(leaf index, seq)` pairs and takes those entries off the pending queue.
pub fn integrate(conn: &mut DbConn, new: &[(i64, i64)]) -> QueryResult<()> {
    for chunk in new.chunks(CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(leaf, seq)| (leaves::leaf_index.eq(*leaf), leaves::seq.eq(*seq)))
            .collect();
        on_backend!(&mut *conn, |c| diesel::insert_into(leaves::table)
            .values(&rows)
            .execute(c))?;
        let seqs: Vec<i64> = chunk.iter().map(|(_, s)| *s).collect();
        diesel::delete(pending::table.filter(pending::seq.eq_any(seqs))).execute(conn)?;
    }
    Ok(())
}

/// The leaf index of each of these entries that has one.
pub fn leaf_indexes(conn: &mut DbConn, seqs: &[i64]) -> QueryResult<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = leaves::table
        .filter(leaves::seq.eq_any(seqs))
        .select((leaves::seq, leaves::leaf_index))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// `(leaf index, seq)` from `from` on, at most `limit`, in leaf order.
pub fn leaves_from(conn: &mut DbConn, from: u64, limit: i64) -> QueryResult<Vec<(i64, i64)>> {
    leaves::table
        .filter(leaves::leaf_index.ge(from as i64))
        .order(leaves::leaf_index)
        .limit(limit)
        .select((leaves::leaf_index, leaves::seq))
        .load(conn)
}

pub fn leaf_count(conn: &mut DbConn) -> QueryResult<i64> {
    leaves::table.count().get_result(conn)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = checkpoints)]
pub struct StoredCheckpoint {
    pub tree_size: i64,
    pub root_hash: Vec<u8>,
    pub note: String,
    pub signed_at: NaiveDateTime,
}

pub fn insert_checkpoint(
    conn: &mut DbConn,
    size: u64,
    root: &Hash,
    note: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(checkpoints::table)
        .values((
            checkpoints::tree_size.eq(size as i64),
            checkpoints::root_hash.eq(root.to_vec()),
            checkpoints::note.eq(note),
            checkpoints::signed_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

pub fn latest_checkpoint(conn: &mut DbConn) -> QueryResult<Option<StoredCheckpoint>> {
    checkpoints::table
        .order(checkpoints::tree_size.desc())
        .select(StoredCheckpoint::as_select())
        .first(conn)
        .optional()
}

pub fn checkpoint_at(conn: &mut DbConn, size: u64) -> QueryResult<Option<StoredCheckpoint>> {
    checkpoints::table
        .find(size as i64)
        .select(StoredCheckpoint::as_select())
        .first(conn)
        .optional()
}

/// Every checkpoint's size and note, smallest first (for `verify --full`).
pub fn all_checkpoints(conn: &mut DbConn) -> QueryResult<Vec<StoredCheckpoint>> {
    checkpoints::table
        .order(checkpoints::tree_size)
        .select(StoredCheckpoint::as_select())
        .load(conn)
}

/// The last verified checkpoint's note and compact range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub note: String,
    pub range: CompactRange,
}

pub fn last_verified(conn: &mut DbConn) -> QueryResult<Option<Verified>> {
    let row: Option<(i64, String, Vec<u8>)> = verified::table
        .find(1)
        .select((verified::tree_size, verified::note, verified::frontier))
        .first(conn)
        .optional()?;
    let Some((size, note, frontier)) = row else {
        return Ok(None);
    };
    let hashes = frontier
        .chunks(32)
        .map(|c| to_hash(c.to_vec()))
        .collect::<QueryResult<Vec<_>>>()?;
    // A frontier that does not fit its size is as good as none: verify from the start.
    Ok(CompactRange::from_parts(size as u64, hashes).map(|range| Verified { note, range }))
}

pub fn set_verified(
    conn: &mut DbConn,
    note: &str,
    range: &CompactRange,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let frontier: Vec<u8> = range.hashes().concat();
    diesel::delete(verified::table).execute(conn)?;
    diesel::insert_into(verified::table)
        .values((
            verified::id.eq(1),
            verified::tree_size.eq(range.size() as i64),
            verified::note.eq(note),
            verified::frontier.eq(frontier),
            verified::verified_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// The stored leaf hashes of leaves `[from, to)`, by leaf index.
pub fn leaf_hashes(conn: &mut DbConn, from: u64, to: u64) -> QueryResult<HashMap<u64, Hash>> {
    let rows: Vec<(i64, Vec<u8>)> = nodes::table
        .filter(nodes::level.eq(0))
        .filter(nodes::idx.ge(from as i64))
        .filter(nodes::idx.lt(to as i64))
        .select((nodes::idx, nodes::hash))
        .load(conn)?;
    rows.into_iter()
        .map(|(i, h)| Ok((i as u64, to_hash(h)?)))
        .collect()
}
