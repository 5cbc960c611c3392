//! Passkey enrolment and sign-in, around the WebAuthn checks (done by the caller with
//! mobile-bridge, passed in as closures so that core stays free of WebAuthn). Ceremony
//! state lives in `auth_ceremonies` and is taken once; the client holds only its id.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::active_patient;
use super::sign_in::{start_session, SignedIn};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::ceremonies::{self, Ceremony};
use crate::db::passkeys::{self, PasskeyRecord};
use crate::db::{new_id, to_db, write_tx, DbConn};
use crate::domain::{Actor, ActorKind, AuditAction, AuditOutcome};
use crate::error::{CoreError, CoreResult};

pub const REGISTRATION: &str = "passkey_registration";
pub const SIGN_IN: &str = "passkey_sign_in";
/// How long a started ceremony may wait for its finish.
pub const CEREMONY_MINUTES: i64 = 5;

fn ceremony_gone() -> CoreError {
    CoreError::unauthenticated(
        "ceremony_expired",
        "the passkey ceremony is unknown, used or expired; start again",
    )
}

/// Keeps a started ceremony's state; returns its id for the client.
pub fn save_ceremony(
    conn: &mut DbConn,
    kind: &str,
    subject_id: Option<&str>,
    state: String,
    now: DateTime<Utc>,
) -> CoreResult<String> {
    let ceremony = Ceremony {
        id: new_id(),
        kind: kind.to_owned(),
        subject_id: subject_id.map(str::to_owned),
        state,
    };
    write_tx(conn, |conn| {
        ceremonies::purge_expired(conn, now)?;
        ceremonies::insert(
            conn,
            &ceremony,
            now,
            now + Duration::minutes(CEREMONY_MINUTES),
        )?;
        Ok(())
    })?;
    Ok(ceremony.id)
}

/// Existing passkeys of a patient (to exclude from a new enrolment, or to sign in with).
pub fn of_patient(conn: &mut DbConn, patient_id: &str) -> CoreResult<Vec<PasskeyRecord>> {
    let patient = active_patient(conn, patient_id)?;
    Ok(passkeys::for_patient(conn, &patient.id)?)
}

/// Finishes an enrolment: `finish(state)` checks the authenticator's answer and gives
/// (credential id, passkey JSON).
pub fn enrol(
    conn: &mut DbConn,
    patient_id: &str,
    ceremony_id: &str,
    name: &str,
    finish: impl FnOnce(&str) -> CoreResult<(String, String)>,
    now: DateTime<Utc>,
) -> CoreResult<PasskeyRecord> {
    write_tx(conn, |conn| {
        let ceremony = ceremonies::take(conn, ceremony_id, REGISTRATION, now)?
            .filter(|c| c.subject_id.as_deref() == Some(patient_id))
            .ok_or_else(ceremony_gone)?;
        let patient = active_patient(conn, patient_id)?;
        let (credential_id, passkey) = finish(&ceremony.state)?;
        if passkeys::find_by_credential(conn, &credential_id)?.is_some() {
            return Err(CoreError::conflict(
                "passkey_exists",
                "this passkey is already enrolled",
            ));
        }
        let record = PasskeyRecord {
            id: new_id(),
            patient_id: patient.id.clone(),
            credential_id,
            passkey,
            name: name.to_owned(),
            created_at: to_db(now),
            last_used_at: None,
        };
        passkeys::insert(conn, &record)?;
        let entry = NewAuditEntry::new(
            AuditAction::PasskeyEnrolled,
            Actor::new(ActorKind::Patient, patient.id.clone()),
            AuditOutcome::Succeeded,
        )
        .patient(&patient.id)
        .details(json!({ "passkey_id": record.id, "name": record.name }));
        audit::append(conn, &entry, now)?;
        Ok(record)
    })
}

/// What the client's sign-in answer names.
#[derive(Debug, Clone)]
pub struct PasskeyAnswer {
    pub credential_id: String,
    /// The user handle of a discoverable passkey: the patient id.
    pub user_handle: Option<String>,
}

/// Finishes a passkey sign-in: `verify(state, stored passkey)` checks the signature and
/// gives the passkey to store back. A refused answer is audited (and committed), then
/// refused.
pub fn sign_in(
    conn: &mut DbConn,
    ceremony_id: &str,
    answer: &PasskeyAnswer,
    verify: impl FnOnce(&str, &str) -> CoreResult<String>,
    session_ttl: Duration,
    now: DateTime<Utc>,
) -> CoreResult<SignedIn> {
    let outcome = write_tx(conn, |conn| {
        let ceremony =
            ceremonies::take(conn, ceremony_id, SIGN_IN, now)?.ok_or_else(ceremony_gone)?;
        let record = passkeys::find_by_credential(conn, &answer.credential_id)?
            .filter(|r| {
                ceremony
                    .subject_id
                    .as_ref()
                    .is_none_or(|s| *s == r.patient_id)
            })
            .filter(|r| {
                answer
                    .user_handle
                    .as_ref()
                    .is_none_or(|u| *u == r.patient_id)
            })
            .ok_or_else(|| {
                CoreError::unauthenticated("passkey_unknown", "this passkey is not enrolled")
            })?;
        let patient = active_patient(conn, &record.patient_id)?;
        let actor = Actor::new(ActorKind::Patient, patient.id.clone());
        match verify(&ceremony.state, &record.passkey) {
            Ok(updated) => {
                passkeys::record_use(conn, &record.id, &updated, now)?;
                Ok(Ok(start_session(
                    conn,
                    &actor,
                    &patient.id,
                    "passkey",
                    session_ttl,
                    now,
                )?))
            }
            Err(refusal) => {
                let entry = NewAuditEntry::new(AuditAction::SignIn, actor, AuditOutcome::Failed)
                    .patient(&patient.id)
                    .reason("passkey_rejected")
                    .details(json!({ "method": "passkey", "passkey_id": record.id }));
                audit::append(conn, &entry, now)?;
                Ok(Err(refusal))
            }
        }
    })?;
    outcome
}
