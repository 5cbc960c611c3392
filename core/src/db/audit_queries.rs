//! Searching the access audit log for the Office (the log itself is in `audit.rs`).

use diesel::prelude::*;

use super::audit::AuditEntry;
use super::schema::audit_log as log;
use super::DbConn;

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub patient_id: Option<String>,
    pub provider_id: Option<String>,
    pub actor_id: Option<String>,
    pub event: Option<String>,
    pub outcome: Option<String>,
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
    if let Some(v) = &f.event {
        q = q.filter(log::event.eq(v.clone()));
    }
    if let Some(v) = &f.outcome {
        q = q.filter(log::outcome.eq(v.clone()));
    }
    if let Some(b) = f.before_seq {
        q = q.filter(log::seq.lt(b));
    }
    q.order(log::seq.desc())
        .limit(f.limit)
        .select(AuditEntry::as_select())
        .load(conn)
}
