//! Issuing access keys and checking a typed key with lockout.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::active_patient;
use super::notify::{notify_patient, notify_patient_acted, PatientEvent};
use crate::db::access_keys::{self, AccessKeyRecord};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::patients::{self, Patient};
use crate::db::{new_id, to_db, write_tx, DbConn};
use crate::domain::notice::{AccessKeyIssuedFacts, AccessKeyLockedFacts};
use crate::domain::{AccessKeyChannel, Actor, AuditAction, AuditOutcome, Notice};
use crate::error::CoreResult;
use crate::ids::{AccessKey, PatientId};
use crate::rules::LockoutPolicy;
use crate::seal::seal_job_secret;
use crate::secret::{HashTurn, SecretHasher};

/// Issues a new key (the old one stops working), audits it and sends it by the patient's
/// selected means. Runs in the caller's transaction. The key is returned once, to be
/// shown to the patient; only its hash is kept.
pub fn issue(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    patient: &Patient,
    channel: AccessKeyChannel,
    actor: &Actor,
    now: DateTime<Utc>,
) -> CoreResult<AccessKey> {
    patients::lock(conn, &patient.id)?;
    let key = AccessKey::generate(&mut rand::rngs::OsRng);
    let record = AccessKeyRecord {
        id: new_id(),
        patient_id: patient.id.clone(),
        key_hash: hasher.hash(key.expose())?,
        issued_at: to_db(now),
        issued_channel: channel,
        revoked_at: None,
        failed_attempts: 0,
        locked_at: None,
    };
    access_keys::replace(conn, &record)?;
    let entry = NewAuditEntry::new(
        AuditAction::AccessKeyIssued,
        actor.clone(),
        AuditOutcome::Succeeded,
    )
    .patient(&patient.id)
    .details(json!({ "channel": channel, "access_key_id": record.id }));
    audit::append(conn, &entry, now)?;
    let sealed = seal_job_secret(hasher.sealer(), &record.id, "access_key", key.expose())?;
    let event = PatientEvent {
        event_id: record.id.clone(),
        // The key travels in the job sealed (never in clear, not even in the SQLite
        // WAL) until delivered; the notifier opens it in memory and scrubs it then.
        notice: Notice::AccessKeyIssued(AccessKeyIssuedFacts {
            access_key: Some(sealed),
            acted_by_sdm: None,
        }),
    };
    notify_patient_acted(conn, patient, event, actor, now)?;
    Ok(key)
}

/// The result of checking a typed key. A wrong or locked key is an outcome to commit
/// (the counter and audit entry must stay), not an error that rolls back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCheck {
    Accepted,
    Wrong {
        remaining: u32,
    },
    /// This try locked the key, or it was locked already. A right key is refused too.
    Locked,
    NoKey,
}

/// A typed key verified, outside the write transaction, against the key current then
/// (Argon2id is slow: on SQLite it would hold the one writer lock). `check_verified` uses
/// the answer only if that key is still the current one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    key_id: Option<String>,
    matched: bool,
}

/// Verifies `typed` against the patient's current key, reading only. Exactly one Argon2id
/// verification in the pool's `turn`, whatever is found: a decoy when there is no key or
/// it is locked, so that the time taken says nothing.
pub fn verify_current(
    conn: &mut DbConn,
    turn: HashTurn<'_>,
    patient_id: &PatientId,
    typed: &AccessKey,
) -> CoreResult<Verified> {
    match access_keys::current(conn, patient_id)? {
        Some(record) if record.locked_at.is_none() => Ok(Verified {
            matched: turn.verify(typed.expose(), &record.key_hash)?,
            key_id: Some(record.id),
        }),
        other => {
            turn.verify_decoy(typed.expose())?;
            Ok(Verified {
                key_id: other.map(|r| r.id),
                matched: false,
            })
        }
    }
}

/// A key verified before the write transaction for the patient the particulars named then
/// (none: a decoy was spent), so that the transaction only counts.
#[derive(Debug, Clone)]
pub struct Prechecked {
    patient_id: Option<PatientId>,
    verified: Verified,
}

impl Prechecked {
    /// Spends the `turn` on `patient`'s current key, or on a decoy if there is no patient.
    pub fn run(
        conn: &mut DbConn,
        turn: HashTurn<'_>,
        patient: Option<&Patient>,
        typed: &AccessKey,
    ) -> CoreResult<Self> {
        let Some(patient) = patient else {
            turn.verify_decoy(typed.expose())?;
            let verified = Verified {
                key_id: None,
                matched: false,
            };
            return Ok(Self {
                patient_id: None,
                verified,
            });
        };
        Ok(Self {
            verified: verify_current(conn, turn, &patient.id, typed)?,
            patient_id: Some(patient.id.clone()),
        })
    }

    /// In the transaction, nobody has the particulars: spends the decoy unless it was.
    pub fn decoy(this: Option<&Self>, hasher: &SecretHasher, typed: &AccessKey) -> CoreResult<()> {
        if this.is_none_or(|c| c.patient_id.is_some()) {
            hasher.verify_decoy(typed.expose())?;
        }
        Ok(())
    }

    /// In the transaction, the check of `attempt` (`check_verified`) with the verification
    /// made before if it was for the same patient, else one made now.
    pub fn check(
        this: Option<&Self>,
        conn: &mut DbConn,
        hasher: &SecretHasher,
        policy: &LockoutPolicy,
        attempt: &KeyAttempt<'_>,
        now: DateTime<Utc>,
    ) -> CoreResult<KeyCheck> {
        let (patient, typed) = (attempt.patient, attempt.typed);
        let verified = match this {
            Some(c) if c.patient_id.as_ref() == Some(&patient.id) => c.verified.clone(),
            _ => verify_current(conn, hasher.reserve()?, &patient.id, typed)?,
        };
        check_verified(conn, hasher, policy, attempt, &verified, now)
    }
}

/// Checks `typed` against the patient's current key in the caller's transaction,
/// verifying it there. Where the caller can, it verifies first (`Prechecked::run`) and
/// then calls `Prechecked::check` in its transaction.
pub fn check(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    policy: &LockoutPolicy,
    patient: &Patient,
    typed: &AccessKey,
    actor: &Actor,
    now: DateTime<Utc>,
) -> CoreResult<KeyCheck> {
    let attempt = KeyAttempt {
        patient,
        typed,
        actor,
    };
    Prechecked::check(None, conn, hasher, policy, &attempt, now)
}

/// A typed key and who typed it.
pub struct KeyAttempt<'a> {
    pub patient: &'a Patient,
    pub typed: &'a AccessKey,
    pub actor: &'a Actor,
}

/// The counting part of a check, in the caller's transaction: the failure counter and the
/// lock are read again under the patient's lock, so that concurrent tries count exactly.
/// If the key changed since it was `verified`, it is verified again here (rare).
fn check_verified(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    policy: &LockoutPolicy,
    attempt: &KeyAttempt<'_>,
    verified: &Verified,
    now: DateTime<Utc>,
) -> CoreResult<KeyCheck> {
    let (patient, actor) = (attempt.patient, attempt.actor);
    let audit_try = |conn: &mut DbConn, outcome: AuditOutcome, reason: &str| {
        let entry = NewAuditEntry::new(AuditAction::AccessKeyAttempt, actor.clone(), outcome)
            .patient(&patient.id)
            .reason(reason);
        audit::append(conn, &entry, now).map(drop)
    };
    // Serialise guesses at one patient's key, so that concurrent wrong tries cannot
    // read the same failure count and undercount.
    patients::lock(conn, &patient.id)?;
    let Some(record) = access_keys::current(conn, &patient.id)? else {
        audit_try(conn, AuditOutcome::Refused, "no_access_key")?;
        return Ok(KeyCheck::NoKey);
    };
    if record.locked_at.is_some() {
        audit_try(conn, AuditOutcome::Locked, "access_key_locked")?;
        return Ok(KeyCheck::Locked);
    }
    let matched = match &verified.key_id {
        Some(id) if *id == record.id => verified.matched,
        _ => hasher.verify(attempt.typed.expose(), &record.key_hash)?,
    };
    if matched {
        access_keys::reset_failures(conn, &record.id)?;
        audit_try(conn, AuditOutcome::Succeeded, "access_key_accepted")?;
        return Ok(KeyCheck::Accepted);
    }
    let failures = u32::try_from(record.failed_attempts).unwrap_or(0) + 1;
    if failures < policy.max_failures {
        access_keys::record_failure(conn, &record.id, failures as i32, None)?;
        audit_try(conn, AuditOutcome::Failed, "access_key_wrong")?;
        return Ok(KeyCheck::Wrong {
            remaining: policy.max_failures - failures,
        });
    }
    access_keys::record_failure(conn, &record.id, failures as i32, Some(to_db(now)))?;
    crate::metrics::metrics().lockout("access_key");
    audit_try(conn, AuditOutcome::Locked, "access_key_locked_now")?;
    let event = PatientEvent {
        event_id: format!("locked:{}", record.id),
        notice: Notice::AccessKeyLocked(AccessKeyLockedFacts {
            failed_attempts: i64::from(failures),
            channel: None,
        }),
    };
    notify_patient(conn, patient, &event, now)?;
    Ok(KeyCheck::Locked)
}

/// A new key asked for in the app: the old one stops working at once; the new one is
/// returned once and sent by the selected means.
pub fn issue_from_app(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    patient_id: &PatientId,
    actor: &Actor,
    now: DateTime<Utc>,
) -> CoreResult<AccessKey> {
    write_tx(conn, |conn| {
        let patient = active_patient(conn, patient_id)?;
        issue(conn, hasher, &patient, AccessKeyChannel::App, actor, now)
    })
}
