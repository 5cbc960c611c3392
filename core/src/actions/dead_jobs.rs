//! The Office's view of notifications that could not be delivered: dead jobs are listed
//! and can be put back in the queue (after, say, a patient corrected an address).

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::db::audit::{self, NewAuditEntry};
use crate::db::jobs::{self, Job};
use crate::db::{write_tx, DbConn};
use crate::domain::{Actor, AuditAction, AuditOutcome};
use crate::error::{CoreError, CoreResult};

pub fn list(conn: &mut DbConn, limit: i64) -> CoreResult<Vec<Job>> {
    Ok(jobs::with_status(conn, jobs::DEAD, limit)?)
}

/// Puts a dead job back in the queue with fresh attempts; audited.
pub fn retry(
    conn: &mut DbConn,
    office: &Actor,
    job_id: &str,
    now: DateTime<Utc>,
) -> CoreResult<Job> {
    write_tx(conn, |conn| {
        if !jobs::retry_dead(conn, job_id, now)? {
            return Err(CoreError::NotFound("job"));
        }
        let job = jobs::find(conn, job_id)?.ok_or(CoreError::NotFound("job"))?;
        let mut entry = NewAuditEntry::new(
            AuditAction::JobRetried,
            office.clone(),
            AuditOutcome::Succeeded,
        )
        .details(json!({ "job_id": job.id, "job_type": job.job_type, "channel": job.channel }));
        entry.patient_id = job.patient_id.clone();
        audit::append(conn, &entry, now)?;
        Ok(job)
    })
}
