//! `ehealth audit verify`: proves the stored log is the one its signed checkpoints
//! describe. Incremental from the last verified checkpoint (kept with its signature and
//! compact range): a consistency proof that the latest checkpoint extends it, then the
//! new leaves recomputed from their entries. `--full` recomputes every leaf and checks
//! every stored checkpoint on the way.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde::Serialize;

use crate::db::audit_tree::{self, StoredCheckpoint};
use crate::db::{to_db, DbConn};
use crate::tlog::leaf::entry_leaf_hash;
use crate::tlog::merkle::{consistency_proof, verify_consistency, CompactRange, Hash};
use crate::tlog::note::{open_checkpoint, Checkpoint, LogKey};
use crate::CoreResult;

const BATCH: i64 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub leaf_index: Option<u64>,
    pub seq: Option<i64>,
    pub what: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub full: bool,
    /// The tree size verification started from (0 for a full run).
    pub from_size: u64,
    pub tree_size: u64,
    pub leaves_checked: u64,
    pub problem: Option<Problem>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.problem.is_none()
    }
}

fn problem(leaf_index: Option<u64>, seq: Option<i64>, what: impl Into<String>) -> Problem {
    Problem {
        leaf_index,
        seq,
        what: what.into(),
    }
}

type Check<T> = Result<T, Problem>;

/// Verifies and, when all is well, records the latest checkpoint as verified. The checks
/// read one snapshot (a running sequencer's later batches are not half seen).
pub fn verify(
    conn: &mut DbConn,
    key: &LogKey,
    full: bool,
    now: DateTime<Utc>,
) -> CoreResult<VerifyReport> {
    let (report, verified) = conn.transaction(|c| {
        if matches!(c, DbConn::Postgres(_)) {
            c.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        }
        check(c, key, full)
    })?;
    if let Some((note, range)) = verified {
        audit_tree::set_verified(conn, &note, &range, to_db(now))?;
    }
    Ok(report)
}

type Verified = Option<(String, CompactRange)>;

fn check(conn: &mut DbConn, key: &LogKey, full: bool) -> CoreResult<(VerifyReport, Verified)> {
    let mut report = VerifyReport {
        full,
        from_size: 0,
        tree_size: 0,
        leaves_checked: 0,
        problem: None,
    };
    let Some(latest) = audit_tree::latest_checkpoint(conn)? else {
        if audit_tree::leaf_count(conn)? > 0 {
            report.problem = Some(problem(Some(0), None, "leaves without any checkpoint"));
        }
        return Ok((report, None));
    };
    match run(conn, key, full, &latest, &mut report)? {
        Ok(range) => Ok((report, Some((latest.note, range)))),
        Err(p) => {
            report.problem = Some(p);
            Ok((report, None))
        }
    }
}

fn run(
    conn: &mut DbConn,
    key: &LogKey,
    full: bool,
    latest: &StoredCheckpoint,
    report: &mut VerifyReport,
) -> CoreResult<Check<CompactRange>> {
    let head = match open_stored(latest, key) {
        Ok(cp) => cp,
        Err(p) => return Ok(Err(p)),
    };
    report.tree_size = head.size;
    let start = if full {
        None
    } else {
        audit_tree::last_verified(conn)?
    };
    let (range, targets) = match start {
        Some(v) => match extension_of_verified(conn, key, &v, &head)? {
            Ok(range) => (range, HashMap::from([(head.size, head.root)])),
            Err(p) => return Ok(Err(p)),
        },
        None => match all_signed_roots(conn, key)? {
            Ok(targets) => (CompactRange::empty(), targets),
            Err(p) => return Ok(Err(p)),
        },
    };
    report.from_size = range.size();
    let walked = walk_leaves(conn, range, head.size, &targets, report)?;
    if walked.is_ok() {
        let leaves = audit_tree::leaf_count(conn)? as u64;
        if leaves > head.size {
            let what = "leaf beyond the latest signed checkpoint (inserted)";
            return Ok(Err(problem(Some(head.size), None, what)));
        }
        if full && !every_entry_accounted_for(conn, leaves)? {
            let what = "an entry is neither in the tree nor pending (inserted behind the \
                        sequencer's back, or its queue row deleted)";
            return Ok(Err(problem(None, None, what)));
        }
    }
    Ok(walked)
}

/// Every entry is a leaf or queued: none was slipped in (or its queue row dropped) where
/// the sequencer will never see it.
fn every_entry_accounted_for(conn: &mut DbConn, leaves: u64) -> CoreResult<bool> {
    let entries = crate::db::audit::count(conn)? as u64;
    Ok(entries == leaves + audit_tree::pending_count(conn)? as u64)
}

/// The note's signature and that the row's size and root are the note's.
fn open_stored(cp: &StoredCheckpoint, key: &LogKey) -> Check<Checkpoint> {
    let bad = |what: String| problem(None, None, what);
    let opened = open_checkpoint(&cp.note, key).map_err(|e| {
        bad(format!(
            "checkpoint at size {} is not signed by the log's key: {e}",
            cp.tree_size
        ))
    })?;
    if opened.size as i64 != cp.tree_size || opened.root.as_slice() != cp.root_hash.as_slice() {
        return Err(bad(format!(
            "checkpoint row at size {} differs from its signed note",
            cp.tree_size
        )));
    }
    Ok(opened)
}

/// The last verified checkpoint's range, once the latest checkpoint is shown to extend it.
fn extension_of_verified(
    conn: &mut DbConn,
    key: &LogKey,
    v: &audit_tree::Verified,
    head: &Checkpoint,
) -> CoreResult<Check<CompactRange>> {
    let old = match open_checkpoint(&v.note, key) {
        Ok(cp) => cp,
        Err(e) => {
            let what = format!("the last verified checkpoint is not signed by the key: {e}");
            return Ok(Err(problem(None, None, what)));
        }
    };
    if old.size != v.range.size() || old.root != v.range.root() {
        let what = "the stored compact range does not match the last verified checkpoint";
        return Ok(Err(problem(None, None, what)));
    }
    let not_extension = || {
        problem(
            Some(old.size),
            None,
            format!(
                "the tree of size {} is not an extension of the checkpoint verified at size {}",
                head.size, old.size
            ),
        )
    };
    if old.size > head.size {
        return Ok(Err(not_extension()));
    }
    let proof = consistency_proof(old.size, head.size, &mut |l, i| {
        audit_tree::node_required(conn, l, i)
    });
    match proof {
        Ok(p) if verify_consistency(old.size, head.size, &old.root, &head.root, &p) => {
            Ok(Ok(v.range.clone()))
        }
        Ok(_) | Err(diesel::result::Error::NotFound) => Ok(Err(not_extension())),
        Err(e) => Err(e.into()),
    }
}

/// Every stored checkpoint's root by size, each signature checked.
fn all_signed_roots(conn: &mut DbConn, key: &LogKey) -> CoreResult<Check<HashMap<u64, Hash>>> {
    let mut roots = HashMap::new();
    for cp in audit_tree::all_checkpoints(conn)? {
        match open_stored(&cp, key) {
            Ok(opened) => roots.insert(opened.size, opened.root),
            Err(p) => return Ok(Err(p)),
        };
    }
    Ok(Ok(roots))
}

/// Extends `range` with the stored leaves up to `size`, each recomputed from its entry;
/// at every size in `targets` the root must be the signed one.
fn walk_leaves(
    conn: &mut DbConn,
    mut range: CompactRange,
    size: u64,
    targets: &HashMap<u64, Hash>,
    report: &mut VerifyReport,
) -> CoreResult<Check<CompactRange>> {
    if let Err(p) = check_root(&range, targets) {
        return Ok(Err(p));
    }
    while range.size() < size {
        let leaves =
            audit_tree::leaves_from(conn, range.size(), BATCH.min((size - range.size()) as i64))?;
        if leaves.is_empty() {
            let what = "leaf missing (an entry deleted from the tree)";
            return Ok(Err(problem(Some(range.size()), None, what)));
        }
        let seqs: Vec<i64> = leaves.iter().map(|(_, s)| *s).collect();
        let entries: HashMap<i64, _> = audit_tree::entries_by_seq(conn, &seqs)?
            .into_iter()
            .map(|e| (e.seq, e))
            .collect();
        let stored = audit_tree::leaf_hashes(conn, range.size(), range.size() + seqs.len() as u64)?;
        for (leaf, seq) in leaves {
            let at = range.size();
            if leaf as u64 != at {
                let what = "leaf missing (an entry deleted from the tree)";
                return Ok(Err(problem(Some(at), None, what)));
            }
            let Some(entry) = entries.get(&seq) else {
                let what = "entry deleted (its leaf remains)";
                return Ok(Err(problem(Some(at), Some(seq), what)));
            };
            let hash = entry_leaf_hash(entry);
            if stored.get(&at).is_some_and(|h| *h != hash) {
                let what = "entry changed or reordered after it was integrated";
                return Ok(Err(problem(Some(at), Some(seq), what)));
            }
            range.append(hash, |_, _, _| {});
            report.leaves_checked += 1;
            if let Err(mut p) = check_root(&range, targets) {
                p.seq = p.seq.or(Some(seq));
                return Ok(Err(p));
            }
        }
    }
    Ok(Ok(range))
}

fn check_root(range: &CompactRange, targets: &HashMap<u64, Hash>) -> Check<()> {
    match targets.get(&range.size()) {
        Some(root) if *root != range.root() => Err(problem(
            range.size().checked_sub(1),
            None,
            format!(
                "the entries do not hash to the checkpoint at size {}: an entry before it was \
                 changed, reordered, inserted or deleted (or the tree is not an extension of it)",
                range.size()
            ),
        )),
        _ => Ok(()),
    }
}
