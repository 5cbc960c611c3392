//! Passkey enrolment and sign-in, around the WebAuthn checks (done by the caller with
//! mobile-bridge, passed in as closures so that core stays free of WebAuthn). Ceremony
//! state lives in `auth_ceremonies` and is taken once; the client holds only its id.

use crate::ErrorCode;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::active_patient;
use super::sign_in::{start_session, SignedIn};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::ceremonies::{self, Ceremony};
use crate::db::passkeys::{self, PasskeyRecord};
use crate::db::{new_id, to_db, write_tx, DbConn};
use crate::domain::{Actor, ActorKind, AuditAction, AuditOutcome, CeremonyKind};
use crate::error::{CoreError, CoreResult};
use crate::ids::PatientId;
use crate::secret::SecretHasher;

/// How long a started ceremony may wait for its finish.
pub const CEREMONY_MINUTES: i64 = 5;

fn ceremony_gone() -> CoreError {
    CoreError::unauthenticated(
        ErrorCode::CeremonyExpired,
        "the passkey ceremony is unknown, used or expired; start again",
    )
}

/// Keeps a started ceremony's state; returns its id for the client.
pub fn save_ceremony(
    conn: &mut DbConn,
    kind: CeremonyKind,
    subject_id: Option<&str>,
    state: String,
    now: DateTime<Utc>,
) -> CoreResult<String> {
    let ceremony = Ceremony {
        id: new_id(),
        kind,
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
pub fn of_patient(conn: &mut DbConn, patient_id: &PatientId) -> CoreResult<Vec<PasskeyRecord>> {
    let patient = active_patient(conn, patient_id)?;
    Ok(passkeys::for_patient(conn, &patient.id)?)
}

/// What a checked enrolment answer gives to store.
#[derive(Debug, Clone)]
pub struct NewPasskey {
    pub credential_id: String,
    pub passkey: String,
    /// The transports the authenticator reported (JSON array), if any.
    pub transports: Option<String>,
}

/// Finishes an enrolment: `finish(state)` checks the authenticator's answer.
pub fn enrol(
    conn: &mut DbConn,
    patient_id: &PatientId,
    ceremony_id: &str,
    name: &str,
    finish: impl FnOnce(&str) -> CoreResult<NewPasskey>,
    now: DateTime<Utc>,
) -> CoreResult<PasskeyRecord> {
    write_tx(conn, |conn| {
        let ceremony = ceremonies::take(conn, ceremony_id, CeremonyKind::PasskeyRegistration, now)?
            .filter(|c| c.subject_id.as_deref() == Some(patient_id.as_str()))
            .ok_or_else(ceremony_gone)?;
        let patient = active_patient(conn, patient_id)?;
        let NewPasskey {
            credential_id,
            passkey,
            transports,
        } = finish(&ceremony.state)?;
        if passkeys::find_by_credential(conn, &credential_id)?.is_some() {
            return Err(CoreError::conflict(
                ErrorCode::PasskeyExists,
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
            transports,
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

/// Whom a sign-in by eHR number is offered to: a registered patient's passkeys, or
/// nobody (an unknown number, a withdrawn patient, or one without passkeys). The caller
/// answers both with the same shape (decoy credential ids for nobody), so the answer does
/// not tell who is registered or uses passkeys.
pub enum Offer {
    Passkeys {
        patient_id: PatientId,
        keys: Vec<PasskeyRecord>,
    },
    Nobody {
        /// A fresh id no passkey belongs to, kept as the ceremony's subject so that no
        /// passkey can finish it.
        subject_id: String,
    },
}

/// Looks up whom to offer a sign-in by eHR number (one query in every case).
pub fn offer(conn: &mut DbConn, ehr_number: &str) -> CoreResult<Offer> {
    let keys = passkeys::for_registered_ehr_number(conn, ehr_number)?;
    Ok(match keys.first() {
        Some(first) => Offer::Passkeys {
            patient_id: first.patient_id.clone(),
            keys,
        },
        None => Offer::Nobody {
            subject_id: new_id(),
        },
    })
}

/// Lengths of real credential ids (Google Password Manager 16 bytes, iCloud Keychain 20,
/// Windows Hello and many security keys 32): a decoy takes one of them.
const DECOY_ID_BYTES: [usize; 3] = [16, 20, 32];

/// The credential ids offered for an eHR number nobody can sign in with: derived from the
/// code key, so the same number always gets the same ids (asking twice tells nothing),
/// usually one and sometimes two, as real patients have.
pub fn decoy_credential_ids(hasher: &SecretHasher, ehr_number: &str) -> Vec<Vec<u8>> {
    let digest = |i: u8| {
        hex::decode(hasher.code_digest(&format!("passkey_decoy:{i}"), ehr_number))
            .unwrap_or_default()
    };
    let shape = digest(0);
    let count = if shape.first().is_some_and(|b| b % 8 == 0) {
        2
    } else {
        1
    };
    (1..=count)
        .map(|i| {
            let pick = shape
                .get(usize::from(i))
                .map_or(0, |b| usize::from(*b) % DECOY_ID_BYTES.len());
            let mut id = digest(i);
            id.truncate(DECOY_ID_BYTES[pick]);
            id
        })
        .collect()
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
        let ceremony = ceremonies::take(conn, ceremony_id, CeremonyKind::PasskeySignIn, now)?
            .ok_or_else(ceremony_gone)?;
        let record = passkeys::find_by_credential(conn, &answer.credential_id)?
            .filter(|r| {
                ceremony
                    .subject_id
                    .as_ref()
                    .is_none_or(|s| s == r.patient_id.as_str())
            })
            .filter(|r| {
                answer
                    .user_handle
                    .as_ref()
                    .is_none_or(|u| u == r.patient_id.as_str())
            })
            .ok_or_else(|| {
                CoreError::unauthenticated(
                    ErrorCode::PasskeyUnknown,
                    "this passkey is not enrolled",
                )
            })?;
        let patient = active_patient(conn, &record.patient_id)?;
        let actor = Actor::new(ActorKind::Patient, patient.id.clone());
        match verify(&ceremony.state, &record.passkey) {
            Ok(updated) => {
                passkeys::record_use(conn, &record.id, &updated, now)?;
                Ok(Ok(start_session(
                    conn,
                    &actor,
                    patient.id.as_str(),
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
