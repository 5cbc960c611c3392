//! The sequencer: integrates committed audit entries into the Merkle tree in batches and
//! signs a checkpoint per batch. One is active at a time among all processes.
//!
//! Which entries are "committed so far" needs no clock and no snapshot arithmetic: an
//! entry is integrated when its `audit_pending` row is visible, and that row commits in
//! the same transaction as the entry. An entry whose transaction commits after a later
//! seq's was integrated is simply still pending and joins the next batch (its leaf index
//! is then after the later seq's): nothing is skipped, because the sequencer never keeps
//! a "last seq" cursor. A batch is one transaction: killed half-way, nothing of it stays.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::sql_types::Bool;
use diesel::RunQueryDsl;

use crate::db::audit_tree;
use crate::db::{to_db, write_tx, DbConn};
use crate::tlog::leaf::entry_leaf_hash;
use crate::tlog::note::LogSigner;
use crate::CoreResult;

/// The PostgreSQL advisory lock key of the sequencer (any constant, the same everywhere).
const ADVISORY_KEY: i64 = 0x6548_6C6F_6700;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    /// Entries integrated by this batch.
    pub integrated: usize,
    /// The tree size after it.
    pub tree_size: u64,
}

/// Integrates up to `limit` pending entries, oldest seq first. `None` when another
/// sequencer holds the lock (PostgreSQL); on SQLite the file's write lock queues them.
/// `before_commit` runs inside the transaction once everything is written (fault
/// injection for the crash test; `&|| {}` otherwise).
pub fn integrate_batch(
    conn: &mut DbConn,
    signer: &LogSigner,
    limit: i64,
    now: DateTime<Utc>,
    before_commit: &dyn Fn(),
) -> CoreResult<Option<Batch>> {
    let batch = write_tx(conn, |c| {
        if !try_lock(c)? {
            return Ok(None);
        }
        let size = audit_tree::lock_head(c)?;
        let entries = audit_tree::pending_entries(c, limit)?;
        let mut range = audit_tree::compact_range(c, size)?;
        let mut nodes = Vec::with_capacity(entries.len() * 2);
        let mut leaves = Vec::with_capacity(entries.len());
        for e in &entries {
            leaves.push((range.size() as i64, e.seq));
            range.append(entry_leaf_hash(e), |l, i, h| nodes.push((l, i, *h)));
        }
        audit_tree::insert_nodes(c, &nodes)?;
        audit_tree::integrate(c, &leaves)?;
        let new_size = range.size();
        audit_tree::set_tree_size(c, new_size)?;
        // The first run signs the tree it finds (the empty tree on a new database).
        if new_size != size || audit_tree::checkpoint_at(c, size)?.is_none() {
            let root = range.root();
            let note = signer.checkpoint(new_size, &root);
            audit_tree::insert_checkpoint(c, new_size, &root, &note, to_db(now))?;
        }
        before_commit();
        Ok(Some(Batch {
            integrated: entries.len(),
            tree_size: new_size,
        }))
    })?;
    // Counted once committed: a rolled-back batch integrated nothing.
    if let Some(b) = &batch {
        let m = crate::metrics::metrics();
        m.sequenced_entries.inc_by(b.integrated as u64);
        m.audit_tree_size
            .set(i64::try_from(b.tree_size).unwrap_or(i64::MAX));
        m.sequencer_last_success.set(now.timestamp());
    }
    Ok(batch)
}

/// One sequencer at a time on PostgreSQL: a transaction-scoped advisory lock, released
/// at commit or when a killed process's connection drops. A second sequencer skips its
/// turn instead of queueing on the head row.
fn try_lock(conn: &mut DbConn) -> CoreResult<bool> {
    match conn {
        DbConn::Postgres(_) => Ok(diesel::select(sql::<Bool>(&format!(
            "pg_try_advisory_xact_lock({ADVISORY_KEY})"
        )))
        .get_result(conn)?),
        DbConn::Sqlite(_) => Ok(true),
    }
}

/// Integrates everything pending now (batch after batch); returns how many entries.
pub fn drain(conn: &mut DbConn, signer: &LogSigner, limit: i64) -> CoreResult<usize> {
    let mut total = 0;
    loop {
        match integrate_batch(conn, signer, limit, Utc::now(), &|| {})? {
            Some(b) if b.integrated as i64 == limit => total += b.integrated,
            Some(b) => return Ok(total + b.integrated),
            // Another sequencer is at work; it will finish what is pending.
            None => return Ok(total),
        }
    }
}
