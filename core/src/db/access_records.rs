//! The patient's view of the access audit log: granted record views, newest first,
//! paged by sequence number (a cursor that stays right while new entries arrive).

use diesel::prelude::*;

use super::audit::AuditEntry;
use super::schema::audit_log as log;
use super::DbConn;
use crate::domain::{AuditAction, AuditOutcome};

pub fn granted_views(
    conn: &mut DbConn,
    patient_id: &str,
    before_seq: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEntry>> {
    let mut query = log::table
        .filter(log::patient_id.eq(patient_id))
        .filter(log::event.eq(AuditAction::RecordView.as_str()))
        .filter(log::outcome.eq(AuditOutcome::Granted.as_str()))
        .order(log::seq.desc())
        .limit(limit)
        .select(AuditEntry::as_select())
        .into_boxed();
    if let Some(b) = before_seq {
        query = query.filter(log::seq.lt(b));
    }
    query.load(conn)
}

/// One granted view of the patient's record, by its seq.
pub fn granted_view(
    conn: &mut DbConn,
    patient_id: &str,
    seq: i64,
) -> QueryResult<Option<AuditEntry>> {
    log::table
        .find(seq)
        .filter(log::patient_id.eq(patient_id))
        .filter(log::event.eq(AuditAction::RecordView.as_str()))
        .filter(log::outcome.eq(AuditOutcome::Granted.as_str()))
        .select(AuditEntry::as_select())
        .first(conn)
        .optional()
}
