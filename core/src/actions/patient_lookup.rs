//! Finding a patient at the counter (the eHR portal, issue 18): by identity document or
//! eHR number, the registration state, this provider's sharing consent, and which data
//! types the professional's row of the access matrix lets them see.
//!
//! Every lookup is audited (found or not), and a lookup that finds nobody counts against
//! the account's guessing throttle as a wrong access key does: the page says no more than
//! the API already tells a professional (a wrong eHR number or document is "not found"
//! there too), and a professional cannot sweep identity numbers with it.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::accounts::Staff;
use super::counter_consent::{find_patient, PatientRef};
use super::throttle;
use crate::config::SecurityConfig;
use crate::db::audit::{self, NewAuditEntry};
use crate::db::consents::{self, SharingConsent};
use crate::db::{applications, matrix, write_tx, DbConn};
use crate::domain::{
    AccountRole, ApplicationStatus, AuditAction, AuditOutcome, DataType, PatientStatus,
};
use crate::error::CoreResult;
use crate::ids::PatientId;

/// Where the patient stands in eHealth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationState {
    Registered {
        ehr_number: String,
    },
    /// Applied in the app and verified their mobile; identity still to be verified.
    PendingVerification {
        application_id: String,
    },
    Withdrawn,
    NotFound,
}

#[derive(Debug, Clone)]
pub struct PatientLookup {
    pub state: RegistrationState,
    /// This provider's current sharing consent, if any.
    pub consent: Option<SharingConsent>,
    /// The data types the professional's profession may see.
    pub visible: BTreeSet<DataType>,
    /// Of those, the types under restricted control (reason and the patient's approval).
    pub restricted: BTreeSet<DataType>,
}

fn throttle_scope(staff: &Staff) -> String {
    format!("lookup:account:{}", staff.account.id)
}

/// Looks the patient up for `staff` (an HCProf), auditing the lookup in one transaction.
pub fn look_up(
    conn: &mut DbConn,
    security: &SecurityConfig,
    staff: &Staff,
    who: &PatientRef,
    now: DateTime<Utc>,
) -> CoreResult<PatientLookup> {
    staff.require(AccountRole::Hcprof)?;
    let scope = throttle_scope(staff);
    write_tx(conn, |conn| {
        if let Some(secs) = throttle::retry_after(conn, &scope, now)? {
            audit_lookup(
                conn,
                staff,
                None,
                AuditOutcome::Locked,
                "staff_throttled",
                now,
            )?;
            return Ok(Err(throttle::rate_limited(secs)));
        }
        let found = state_of(conn, who)?;
        let (patient_id, outcome, reason) = match &found {
            (RegistrationState::NotFound, _) => {
                throttle::fail(conn, &scope, &security.account_policy(), now)?;
                (None, AuditOutcome::Failed, "patient_not_found")
            }
            (RegistrationState::PendingVerification { .. }, _) => {
                (None, AuditOutcome::Succeeded, "pending_verification")
            }
            (RegistrationState::Withdrawn, id) => {
                (id.as_ref(), AuditOutcome::Succeeded, "withdrawn")
            }
            (RegistrationState::Registered { .. }, id) => {
                (id.as_ref(), AuditOutcome::Succeeded, "registered")
            }
        };
        audit_lookup(conn, staff, patient_id, outcome, reason, now)?;
        let consent = match (&found.0, &found.1, staff.provider_id()) {
            (RegistrationState::Registered { .. }, Some(pid), Some(provider)) => {
                consents::current(conn, pid, provider)?
            }
            _ => None,
        };
        let (visible, restricted) = match staff.profession {
            Some(p) => (matrix::row(conn, p)?, matrix::restricted(conn)?),
            None => (BTreeSet::new(), BTreeSet::new()),
        };
        let restricted = restricted.intersection(&visible).copied().collect();
        Ok(Ok(PatientLookup {
            state: found.0,
            consent,
            visible,
            restricted,
        }))
    })?
}

/// The state, and the patient's id when there is a patient.
fn state_of(
    conn: &mut DbConn,
    who: &PatientRef,
) -> CoreResult<(RegistrationState, Option<PatientId>)> {
    if let Some(p) = find_patient(conn, who)? {
        let state = match p.status {
            PatientStatus::Registered => RegistrationState::Registered {
                ehr_number: p.ehr_number.clone(),
            },
            PatientStatus::Withdrawn => RegistrationState::Withdrawn,
        };
        return Ok((state, Some(p.id)));
    }
    let PatientRef::Document(doc) = who else {
        return Ok((RegistrationState::NotFound, None));
    };
    match applications::open_for_document(conn, &doc.key())? {
        Some(a) if a.status == ApplicationStatus::PendingIdentityVerification => Ok((
            RegistrationState::PendingVerification {
                application_id: a.id,
            },
            None,
        )),
        _ => Ok((RegistrationState::NotFound, None)),
    }
}

fn audit_lookup(
    conn: &mut DbConn,
    staff: &Staff,
    patient_id: Option<&PatientId>,
    outcome: AuditOutcome,
    reason: &str,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let mut entry =
        NewAuditEntry::new(AuditAction::PatientLookup, staff.actor(), outcome).reason(reason);
    entry.profession = staff.profession;
    if let Some(p) = staff.provider_id() {
        entry = entry.provider(p);
    }
    if let Some(id) = patient_id {
        entry = entry.patient(id);
    }
    audit::append(conn, &entry, now)?;
    Ok(())
}
