//! The access audit log: append-only and tamper-evident. Each entry's hash covers its
//! fields and the previous entry's hash, so a changed, deleted or reordered entry breaks
//! the chain, and `verify` finds where.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::schema::{audit_head as head, audit_log as log};
use super::{to_db, DbConn};
use crate::domain::{Actor, AuditAction, AuditOutcome, DataType, Profession};
use crate::secret::sha256_hex;

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What to record; the log adds the time, sequence number and hashes.
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    pub action: AuditAction,
    pub actor: Actor,
    pub provider_id: Option<String>,
    pub profession: Option<Profession>,
    pub patient_id: Option<String>,
    pub data_types: Vec<DataType>,
    pub purpose: Option<String>,
    pub outcome: AuditOutcome,
    pub reason: Option<String>,
    pub details: serde_json::Value,
}

impl NewAuditEntry {
    pub fn new(action: AuditAction, actor: Actor, outcome: AuditOutcome) -> Self {
        Self {
            action,
            actor,
            provider_id: None,
            profession: None,
            patient_id: None,
            data_types: Vec::new(),
            purpose: None,
            outcome,
            reason: None,
            details: serde_json::Value::Null,
        }
    }

    pub fn patient(mut self, id: impl Into<String>) -> Self {
        self.patient_id = Some(id.into());
        self
    }

    pub fn provider(mut self, id: impl Into<String>) -> Self {
        self.provider_id = Some(id.into());
        self
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = log)]
pub struct AuditEntry {
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub event: String,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub provider_id: Option<String>,
    pub profession: Option<String>,
    pub patient_id: Option<String>,
    pub data_types: String,
    pub purpose: Option<String>,
    pub outcome: String,
    pub reason: Option<String>,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry should carry, given its fields and `prev_hash`.
    pub fn computed_hash(&self) -> String {
        let canonical = json!([
            self.seq,
            self.occurred_at
                .format("%Y-%m-%dT%H:%M:%S%.6fZ")
                .to_string(),
            self.event,
            self.actor_kind,
            self.actor_id,
            self.provider_id,
            self.profession,
            self.patient_id,
            self.data_types,
            self.purpose,
            self.outcome,
            self.reason,
            self.details,
            self.prev_hash,
        ]);
        sha256_hex(canonical.to_string().as_bytes())
    }
}

/// Appends an entry in the caller's transaction. The head row is updated first: that
/// write is the lock that keeps concurrent appends in one line.
pub fn append(
    conn: &mut DbConn,
    entry: &NewAuditEntry,
    at: DateTime<Utc>,
) -> QueryResult<AuditEntry> {
    diesel::update(head::table.find(1))
        .set(head::last_seq.eq(head::last_seq + 1))
        .execute(conn)?;
    let (seq, prev_hash): (i64, String) = head::table
        .find(1)
        .select((head::last_seq, head::last_hash))
        .first(conn)?;
    let mut row = AuditEntry {
        seq,
        occurred_at: to_db(at),
        event: entry.action.as_str().to_owned(),
        actor_kind: entry.actor.kind.as_str().to_owned(),
        actor_id: entry.actor.id.clone(),
        provider_id: entry.provider_id.clone(),
        profession: entry.profession.map(|p| p.as_str().to_owned()),
        patient_id: entry.patient_id.clone(),
        data_types: DataType::join(&entry.data_types),
        purpose: entry.purpose.clone(),
        outcome: entry.outcome.as_str().to_owned(),
        reason: entry.reason.clone(),
        details: entry.details.to_string(),
        prev_hash,
        hash: String::new(),
    };
    row.hash = row.computed_hash();
    diesel::insert_into(log::table).values(&row).execute(conn)?;
    diesel::update(head::table.find(1))
        .set(head::last_hash.eq(&row.hash))
        .execute(conn)?;
    Ok(row)
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainBreak {
    pub seq: i64,
    pub problem: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainReport {
    pub entries: u64,
    pub last_seq: i64,
    pub first_break: Option<ChainBreak>,
}

impl ChainReport {
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none()
    }
}

const VERIFY_BATCH: i64 = 1_000;

/// Walks the whole log in order and reports the first place the chain is broken.
pub fn verify(conn: &mut DbConn) -> QueryResult<ChainReport> {
    let mut expected_seq = 1i64;
    let mut prev = GENESIS_HASH.to_owned();
    let mut entries = 0u64;
    let broken = |seq, problem: &str| ChainBreak {
        seq,
        problem: problem.to_owned(),
    };
    loop {
        let batch: Vec<AuditEntry> = log::table
            .filter(log::seq.ge(expected_seq))
            .order(log::seq)
            .limit(VERIFY_BATCH)
            .select(AuditEntry::as_select())
            .load(conn)?;
        for e in &batch {
            let problem = if e.seq != expected_seq {
                Some(broken(
                    expected_seq,
                    "entry missing (deleted or renumbered)",
                ))
            } else if e.prev_hash != prev {
                Some(broken(
                    e.seq,
                    "link to the previous entry broken (deleted or reordered)",
                ))
            } else if e.computed_hash() != e.hash {
                Some(broken(e.seq, "entry changed after it was written"))
            } else {
                None
            };
            if let Some(b) = problem {
                return Ok(ChainReport {
                    entries,
                    last_seq: e.seq,
                    first_break: Some(b),
                });
            }
            prev = e.hash.clone();
            expected_seq += 1;
            entries += 1;
        }
        if (batch.len() as i64) < VERIFY_BATCH {
            break;
        }
    }
    let (head_seq, head_hash): (i64, String) = head::table
        .find(1)
        .select((head::last_seq, head::last_hash))
        .first(conn)?;
    let last_seq = expected_seq - 1;
    let first_break = (head_seq != last_seq || head_hash != prev)
        .then(|| broken(last_seq + 1, "entries missing at the end of the log"));
    Ok(ChainReport {
        entries,
        last_seq,
        first_break,
    })
}

/// Entries about a patient, newest first, before `before_seq` (a cursor).
pub fn for_patient(
    conn: &mut DbConn,
    patient_id: &str,
    before_seq: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEntry>> {
    let mut query = log::table
        .filter(log::patient_id.eq(patient_id))
        .order(log::seq.desc())
        .limit(limit)
        .select(AuditEntry::as_select())
        .into_boxed();
    if let Some(b) = before_seq {
        query = query.filter(log::seq.lt(b));
    }
    query.load(conn)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    log::table.count().get_result(conn)
}
