//! A patient (or SDM) approves or denies an HCProf's request for restricted data types.

use crate::ErrorCode;
use chrono::{DateTime, Utc};
use serde_json::json;

use super::active_patient;
use crate::db::approvals::{self, Approval};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::{from_db, write_tx, DbConn};
use crate::domain::{Actor, ApprovalStatus, AuditAction, AuditOutcome};
use crate::error::{CoreError, CoreResult};
use crate::ids::PatientId;

pub fn decide(
    conn: &mut DbConn,
    patient_id: &PatientId,
    approval_id: &str,
    approve: bool,
    actor: &Actor,
    now: DateTime<Utc>,
) -> CoreResult<Approval> {
    write_tx(conn, |conn| {
        let patient = active_patient(conn, patient_id)?;
        // Another patient's approval is answered as unknown, never as "not yours".
        let approval = approvals::find(conn, approval_id)?
            .filter(|a| a.patient_id == patient.id)
            .ok_or(CoreError::NotFound("approval"))?;
        if approval.status != ApprovalStatus::Pending || from_db(approval.expires_at) <= now {
            return Err(CoreError::conflict(
                ErrorCode::ApprovalNotPending,
                "this request was already decided or has expired",
            ));
        }
        let by_id = actor.id.clone().unwrap_or_default();
        if !approvals::decide(conn, &approval.id, approve, actor.kind, &by_id, now)? {
            return Err(CoreError::conflict(
                ErrorCode::ApprovalNotPending,
                "this request was already decided",
            ));
        }
        let entry = NewAuditEntry::new(
            AuditAction::ApprovalDecided,
            actor.clone(),
            if approve {
                AuditOutcome::Granted
            } else {
                AuditOutcome::Refused
            },
        )
        .patient(&patient.id)
        .provider(&approval.provider_id)
        .details(json!({ "approval_id": approval.id, "data_types": approval.data_types }));
        audit::append(conn, &entry, now)?;
        approvals::find(conn, &approval.id)?.ok_or(CoreError::NotFound("approval"))
    })
}
