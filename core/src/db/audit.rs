//! The access audit log: append-only (triggers) and verifiable. An append writes the entry
//! and queues it in `audit_pending`, in the caller's transaction and without any lock
//! shared with other appends; the sequencer (`actions::sequencer`) later integrates it as
//! a leaf of the Merkle tree (`db::audit_tree`, `tlog`).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::schema::{audit_log as log, audit_pending as pending};
use super::{to_db, DbConn};
use crate::domain::{Actor, ActorKind, AuditAction, AuditOutcome, DataType, Profession};
use crate::ids::PatientId;
/// What to record; the log adds the time, sequence number and hashes.
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    pub action: AuditAction,
    pub actor: Actor,
    pub provider_id: Option<String>,
    pub profession: Option<Profession>,
    pub patient_id: Option<PatientId>,
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

    pub fn patient(mut self, id: &PatientId) -> Self {
        self.patient_id = Some(id.clone());
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

/// Insertable only for bulk loading (`ehealth bench seed`, which numbers the entries
/// itself); the application appends with `append`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = log, treat_none_as_default_value = false)]
pub struct AuditEntry {
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub event: AuditAction,
    pub actor_kind: ActorKind,
    pub actor_id: Option<String>,
    pub provider_id: Option<String>,
    pub profession: Option<Profession>,
    pub patient_id: Option<PatientId>,
    pub data_types: String,
    pub purpose: Option<String>,
    pub outcome: AuditOutcome,
    pub reason: Option<String>,
    pub details: String,
    /// The retired hash chain (before issue 12); empty on later entries.
    pub prev_hash: String,
    pub hash: String,
}

/// An entry's columns but its `seq`, which the database assigns.
#[derive(Insertable)]
#[diesel(table_name = log)]
struct NewRow {
    occurred_at: NaiveDateTime,
    event: AuditAction,
    actor_kind: ActorKind,
    actor_id: Option<String>,
    provider_id: Option<String>,
    profession: Option<Profession>,
    patient_id: Option<PatientId>,
    data_types: String,
    purpose: Option<String>,
    outcome: AuditOutcome,
    reason: Option<String>,
    details: String,
    prev_hash: String,
    hash: String,
}

impl NewRow {
    fn new(entry: &NewAuditEntry, at: DateTime<Utc>) -> Self {
        Self {
            occurred_at: to_db(at),
            event: entry.action,
            actor_kind: entry.actor.kind,
            actor_id: entry.actor.id.clone(),
            provider_id: entry.provider_id.clone(),
            profession: entry.profession,
            patient_id: entry.patient_id.clone(),
            data_types: DataType::join(&entry.data_types),
            purpose: entry.purpose.clone(),
            outcome: entry.outcome,
            reason: entry.reason.clone(),
            details: entry.details.to_string(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn into_entry(self, seq: i64) -> AuditEntry {
        AuditEntry {
            seq,
            occurred_at: self.occurred_at,
            event: self.event,
            actor_kind: self.actor_kind,
            actor_id: self.actor_id,
            provider_id: self.provider_id,
            profession: self.profession,
            patient_id: self.patient_id,
            data_types: self.data_types,
            purpose: self.purpose,
            outcome: self.outcome,
            reason: self.reason,
            details: self.details,
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}

/// Appends an entry in the caller's transaction and queues it for the sequencer. Nothing
/// here is shared with other appends: on PostgreSQL the seq comes from a sequence (no
/// lock, gaps possible on rollback); on SQLite the file has one writer at a time anyway
/// and the seq is the next after the largest, read under that write lock by the insert.
pub fn append(
    conn: &mut DbConn,
    entry: &NewAuditEntry,
    at: DateTime<Utc>,
) -> QueryResult<AuditEntry> {
    let row = NewRow::new(entry, at);
    let appended = match conn {
        DbConn::Postgres(c) => append_postgres(c, row),
        DbConn::Sqlite(_) => append_sqlite(conn, row),
    }?;
    crate::metrics::metrics()
        .audit_entries
        .with_label_values(&[entry.action.as_str(), entry.outcome.as_str()])
        .inc();
    Ok(appended)
}

fn append_sqlite(conn: &mut DbConn, row: NewRow) -> QueryResult<AuditEntry> {
    let next = sql::<BigInt>("(SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log)");
    diesel::insert_into(log::table)
        .values((log::seq.eq(next), &row))
        .execute(conn)?;
    let seq = log::table
        .select(diesel::dsl::max(log::seq))
        .first::<Option<i64>>(conn)?
        .unwrap_or_default();
    diesel::insert_into(pending::table)
        .values(pending::seq.eq(seq))
        .execute(conn)?;
    Ok(row.into_entry(seq))
}

/// The entry and its queue row in one statement, one round trip (three before: the
/// sequence, the entry, the queue row), on the request path of every audited act.
const APPEND_POSTGRES: &str = "WITH e AS (INSERT INTO audit_log (seq, occurred_at, event, \
     actor_kind, actor_id, provider_id, profession, patient_id, data_types, purpose, outcome, \
     reason, details, prev_hash, hash) VALUES (nextval('audit_log_seq'), $1, $2, $3, $4, $5, \
     $6, $7, $8, $9, $10, $11, $12, '', '') RETURNING seq) \
     INSERT INTO audit_pending (seq) SELECT seq FROM e RETURNING seq";

#[derive(QueryableByName)]
struct Appended {
    #[diesel(sql_type = BigInt)]
    seq: i64,
}

fn append_postgres(conn: &mut diesel::PgConnection, row: NewRow) -> QueryResult<AuditEntry> {
    use diesel::sql_types::{Nullable, Text, Timestamp};
    let appended: Appended = diesel::sql_query(APPEND_POSTGRES)
        .bind::<Timestamp, _>(row.occurred_at)
        .bind::<Text, _>(&row.event)
        .bind::<Text, _>(&row.actor_kind)
        .bind::<Nullable<Text>, _>(&row.actor_id)
        .bind::<Nullable<Text>, _>(&row.provider_id)
        .bind::<Nullable<Text>, _>(&row.profession)
        .bind::<Nullable<Text>, _>(&row.patient_id)
        .bind::<Text, _>(&row.data_types)
        .bind::<Nullable<Text>, _>(&row.purpose)
        .bind::<Text, _>(&row.outcome)
        .bind::<Nullable<Text>, _>(&row.reason)
        .bind::<Text, _>(&row.details)
        .get_result(conn)?;
    Ok(row.into_entry(appended.seq))
}

/// Entries about a patient, newest first, before `before_seq` (a cursor).
pub fn for_patient(
    conn: &mut DbConn,
    patient_id: &PatientId,
    before_seq: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEntry>> {
    search(conn, &patient_page(patient_id, before_seq, limit))
}

/// A page of a patient's entries, newest first, before `before_seq`.
fn patient_page(patient_id: &PatientId, before_seq: Option<i64>, limit: i64) -> AuditFilter {
    AuditFilter {
        patient_id: Some(patient_id.to_owned()),
        before_seq,
        limit,
        ..AuditFilter::default()
    }
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    log::table.count().get_result(conn)
}

// Searching the log for the Office.

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub patient_id: Option<PatientId>,
    pub provider_id: Option<String>,
    pub actor_id: Option<String>,
    pub event: Option<AuditAction>,
    pub outcome: Option<AuditOutcome>,
    /// Entries before this sequence number (a cursor for the next page).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// Matching entries, newest first.
pub fn search(conn: &mut DbConn, f: &AuditFilter) -> QueryResult<Vec<AuditEntry>> {
    let mut q = log::table.into_boxed();
    if let Some(v) = &f.patient_id {
        q = q.filter(log::patient_id.eq(v.clone()));
    }
    if let Some(v) = &f.provider_id {
        q = q.filter(log::provider_id.eq(v.clone()));
    }
    if let Some(v) = &f.actor_id {
        q = q.filter(log::actor_id.eq(v.clone()));
    }
    if let Some(v) = f.event {
        q = q.filter(log::event.eq(v));
    }
    if let Some(v) = f.outcome {
        q = q.filter(log::outcome.eq(v));
    }
    if let Some(b) = f.before_seq {
        q = q.filter(log::seq.lt(b));
    }
    q.order(log::seq.desc())
        .limit(f.limit)
        .select(AuditEntry::as_select())
        .load(conn)
}

// The patient's view of the log: granted record views, newest first, paged by sequence
// number (a cursor that stays right while new entries arrive).

pub fn granted_views(
    conn: &mut DbConn,
    patient_id: &PatientId,
    before_seq: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEntry>> {
    let filter = AuditFilter {
        event: Some(AuditAction::RecordView),
        outcome: Some(AuditOutcome::Granted),
        ..patient_page(patient_id, before_seq, limit)
    };
    search(conn, &filter)
}

/// One granted view of the patient's record, by its seq.
pub fn granted_view(
    conn: &mut DbConn,
    patient_id: &PatientId,
    seq: i64,
) -> QueryResult<Option<AuditEntry>> {
    log::table
        .find(seq)
        .filter(log::patient_id.eq(patient_id))
        .filter(log::event.eq(AuditAction::RecordView))
        .filter(log::outcome.eq(AuditOutcome::Granted))
        .select(AuditEntry::as_select())
        .first(conn)
        .optional()
}
