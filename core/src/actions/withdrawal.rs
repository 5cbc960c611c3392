//! Withdrawal from eHealth: every consent ends at once (deemed HA/DH consent too), the
//! access key and all sessions stop working, and the patient is told. Records are kept.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::active_patient;
use super::notify::{notify_patient_acted, PatientEvent};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::{consents, patients, sessions, to_db, withdrawals, write_tx, DbConn};
use crate::domain::notice::WithdrawalFacts;
use crate::domain::{
    Actor, AuditAction, AuditOutcome, ConsentChannel, ConsentStatus, Notice, SessionSubject,
};
use crate::error::CoreResult;
use crate::ids::PatientId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawn {
    pub consents_ended: usize,
}

pub fn withdraw(
    conn: &mut DbConn,
    patient_id: &PatientId,
    actor: &Actor,
    now: DateTime<Utc>,
) -> CoreResult<Withdrawn> {
    write_tx(conn, |conn| {
        let patient = active_patient(conn, patient_id)?;
        let active = consents::active_for_patient(conn, &patient.id)?;
        for consent in &active {
            consents::end(
                conn,
                &consent.id,
                ConsentStatus::Ended,
                ConsentChannel::Withdrawal,
                actor,
                to_db(now),
            )?;
        }
        withdrawals::revoke_access_keys(conn, &patient.id, to_db(now))?;
        patients::mark_withdrawn(conn, &patient.id, to_db(now))?;
        sessions::revoke_all(conn, SessionSubject::Patient, patient.id.as_str(), now)?;
        let ended: Vec<&str> = active.iter().map(|c| c.provider_id.as_str()).collect();
        let consents_entry = NewAuditEntry::new(
            AuditAction::ConsentsEnded,
            actor.clone(),
            AuditOutcome::Succeeded,
        )
        .patient(&patient.id)
        .details(json!({ "providers": ended, "channel": ConsentChannel::Withdrawal.as_str() }));
        audit::append(conn, &consents_entry, now)?;
        let entry = NewAuditEntry::new(
            AuditAction::Withdrawal,
            actor.clone(),
            AuditOutcome::Succeeded,
        )
        .patient(&patient.id)
        .details(json!({ "consents_ended": active.len() }));
        let logged = audit::append(conn, &entry, now)?;
        let event = PatientEvent {
            event_id: format!("withdrawal:{}", logged.seq),
            notice: Notice::Withdrawal(WithdrawalFacts {
                consents_ended: active.len(),
                acted_by_sdm: None,
            }),
        };
        notify_patient_acted(conn, &patient, event, actor, now)?;
        Ok(Withdrawn {
            consents_ended: active.len(),
        })
    })
}
