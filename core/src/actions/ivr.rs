//! The voice line's checks of who is calling. A caller proves who they are with their eHR
//! number, date of birth and access key (or a one-time code sent to their mobile, to
//! generate a new key). Wrong details count against the caller's number (throttled for a
//! while) and, when the eHR number exists, against that patient's access key: the same
//! counter, limit and lock as at a provider's counter, and the patient is told when it
//! locks.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;

use super::access_key::{KeyAttempt, KeyCheck, Prechecked};
use super::ivr_code;
use super::ivr_throttle::{count_wrong_identity, looks_throttled, throttled};
use super::notify::{notify_patient, PatientEvent};
use crate::config::SecurityConfig;
use crate::db::access_keys;
use crate::db::audit::{self, AuditEntry, NewAuditEntry};
use crate::db::patients::{self, Patient};
use crate::db::{to_db, write_tx, DbConn};
use crate::domain::notice::AccessKeyLockedFacts;
use crate::domain::{Actor, ActorKind, AuditAction, AuditOutcome, Notice, PatientStatus};
use crate::error::CoreResult;
use crate::ids::{AccessKey, EhrNumber, IdentityDocumentKind, OneTimeCode, PatientId};
use crate::secret::{HashTurn, SecretHasher};

/// The number a caller keys to say who they are: their eHR number, or the six digits of
/// their HKIC (the letters and the check character cannot be keyed on a phone pad).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimedId {
    EhrNumber(EhrNumber),
    HkicDigits(String),
}

impl ClaimedId {
    pub fn parse(digits: &str) -> Option<Self> {
        if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
            return Some(Self::HkicDigits(digits.to_owned()));
        }
        EhrNumber::parse(digits).ok().map(Self::EhrNumber)
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::EhrNumber(ehr) => ehr.as_str(),
            Self::HkicDigits(digits) => digits,
        }
    }
}

/// Who the caller says they are.
#[derive(Debug, Clone)]
pub struct Claim<'a> {
    pub caller: &'a str,
    pub id: &'a ClaimedId,
    pub date_of_birth: NaiveDate,
}

/// What the line's checks use beside the connection and the claim: the hasher (keys and
/// codes), the security settings (limits, code lifetime) and the time of the call's step.
#[derive(Clone, Copy)]
pub struct LineChecks<'a> {
    pub hasher: &'a SecretHasher,
    pub security: &'a SecurityConfig,
    pub now: DateTime<Utc>,
}

/// What proves the claim.
#[derive(Debug, Clone)]
pub enum Proof {
    Key(AccessKey),
    Code(OneTimeCode),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Identification {
    Identified(Box<Patient>),
    /// Some detail is wrong; the caller is not told which.
    Mismatch,
    /// The patient's access key is locked (a right key is refused too).
    KeyLocked,
    /// The caller's number is throttled after too many wrong tries.
    CallerLocked,
    /// The identifier keyed, or the whole line, is throttled after too many wrong tries
    /// (from any callers): decided before any detail is checked, so it says nothing about
    /// them.
    Throttled,
}

fn caller_actor(caller: &str) -> Actor {
    Actor::new(ActorKind::Caller, caller)
}

/// Checks the claim and its proof in one transaction with the counters and audit entries;
/// a key is verified before it (`precheck_key`), the transaction only counts.
pub fn identify(
    conn: &mut DbConn,
    checks: LineChecks<'_>,
    claim: &Claim<'_>,
    proof: &Proof,
) -> CoreResult<Identification> {
    let checked = match proof {
        Proof::Key(key) => precheck_key(conn, checks.hasher.reserve()?, claim, key, checks.now)?,
        Proof::Code(_) => None,
    };
    identify_prechecked(conn, checks, claim, proof, checked.as_ref())
}

/// As `identify`, with the key already verified by `precheck_key` (`None`: the caller
/// looked throttled, and the key is verified in the transaction if it gets that far). The
/// voice line verifies before its webhook's own transaction, which on SQLite holds the
/// writer lock.
pub fn identify_prechecked(
    conn: &mut DbConn,
    checks: LineChecks<'_>,
    claim: &Claim<'_>,
    proof: &Proof,
    checked: Option<&Prechecked>,
) -> CoreResult<Identification> {
    let (hasher, security, now) = (checks.hasher, checks.security, checks.now);
    write_tx(conn, |conn| {
        if let Some(refused) = throttled(conn, claim, now)? {
            return Ok(refused);
        }
        // Every answer to a key costs one Argon2id verification, and an answer to a code
        // none, whether or not the details match: the time taken says nothing of them.
        let Some(patient) = claimed_patient(conn, claim)? else {
            if let Proof::Key(key) = proof {
                Prechecked::decoy(checked, hasher, key)?;
            }
            return count_mismatch(conn, security, claim, now);
        };
        let outcome = match proof {
            Proof::Key(key) => {
                let policy = security.access_key_policy();
                let attempt = KeyAttempt {
                    patient: &patient,
                    typed: key,
                    actor: &caller_actor(claim.caller),
                };
                match Prechecked::check(checked, conn, hasher, &policy, &attempt, now)? {
                    KeyCheck::Accepted => return Ok(Identification::Identified(Box::new(patient))),
                    // A locked key cost a decoy verification before: the same time.
                    KeyCheck::Locked => Identification::KeyLocked,
                    KeyCheck::Wrong { .. } | KeyCheck::NoKey => Identification::Mismatch,
                }
            }
            Proof::Code(code) => {
                if ivr_code::verify(conn, hasher, &patient.id, code, now)? {
                    audit_try(
                        conn,
                        claim,
                        Some(&patient.id),
                        AuditOutcome::Succeeded,
                        "ivr_code_accepted",
                        now,
                    )?;
                    return Ok(Identification::Identified(Box::new(patient)));
                }
                count_on_key(conn, security, &patient, claim, "ivr_code_wrong", now)?;
                Identification::Mismatch
            }
        };
        Ok(count_wrong_identity(conn, security, claim, now)?.unwrap_or(outcome))
    })
}

/// The key's Argon2id verification, before any write transaction (on SQLite it would hold
/// the one writer lock), on `turn`: a place in the pool taken before any detail is read
/// (`Busy` says nothing of them), then exactly one verification whatever the details.
/// None for a caller who looks throttled: their try will be refused without a check.
pub fn precheck_key(
    conn: &mut DbConn,
    turn: HashTurn<'_>,
    claim: &Claim<'_>,
    key: &AccessKey,
    now: DateTime<Utc>,
) -> CoreResult<Option<Prechecked>> {
    if looks_throttled(conn, claim, now)? {
        return Ok(None);
    }
    let patient = claimed_patient(conn, claim)?;
    Prechecked::run(conn, turn, patient.as_ref(), key).map(Some)
}

/// Sends a one-time code to the claimed patient's mobile if the eHR number and date of
/// birth match; a mismatch is counted like a wrong key, and the caller hears the same
/// words either way.
pub fn request_code(
    conn: &mut DbConn,
    checks: LineChecks<'_>,
    claim: &Claim<'_>,
) -> CoreResult<Identification> {
    let (hasher, security, now) = (checks.hasher, checks.security, checks.now);
    write_tx(conn, |conn| {
        if let Some(refused) = throttled(conn, claim, now)? {
            return Ok(refused);
        }
        let Some(patient) = claimed_patient(conn, claim)? else {
            return count_mismatch(conn, security, claim, now);
        };
        if ivr_code::sent_lately(conn, &patient.id, now)? >= ivr_code::MAX_CODES_PER_HOUR {
            // The caller hears the usual words; the patient's mobile is spared.
            let (outcome, reason) = (AuditOutcome::Refused, "ivr_code_throttled");
            audit_try(conn, claim, Some(&patient.id), outcome, reason, now)?;
            return Ok(Identification::Identified(Box::new(patient)));
        }
        let ttl = Duration::minutes(security.code_ttl_minutes);
        ivr_code::send(conn, hasher, &patient, ttl, now)?;
        audit_try(
            conn,
            claim,
            Some(&patient.id),
            AuditOutcome::Succeeded,
            "ivr_code_sent",
            now,
        )?;
        Ok(Identification::Identified(Box::new(patient)))
    })
}

/// The registered patient with this number and date of birth.
fn claimed_patient(conn: &mut DbConn, claim: &Claim<'_>) -> CoreResult<Option<Patient>> {
    let born_then = |p: &Patient| {
        p.date_of_birth == claim.date_of_birth && p.status == PatientStatus::Registered
    };
    Ok(match claim.id {
        ClaimedId::EhrNumber(ehr) => {
            patients::find_by_ehr_number(conn, ehr.as_str())?.filter(born_then)
        }
        // Two HKICs differing only in their letters could share the digits and the date of
        // birth: then nobody is identified rather than the wrong person.
        ClaimedId::HkicDigits(digits) => {
            let mut found = with_hkic_digits(conn, digits)?;
            found.retain(born_then);
            (found.len() == 1).then(|| found.remove(0))
        }
    })
}

/// The patient the claimed number belongs to, whatever the date of birth typed: the one
/// whose key a wrong guess counts against. None if unknown or ambiguous.
fn owner_of(conn: &mut DbConn, id: &ClaimedId) -> CoreResult<Option<Patient>> {
    Ok(match id {
        ClaimedId::EhrNumber(ehr) => patients::find_by_ehr_number(conn, ehr.as_str())?,
        ClaimedId::HkicDigits(digits) => {
            let mut found = with_hkic_digits(conn, digits)?;
            (found.len() == 1).then(|| found.remove(0))
        }
    })
}

/// Patients whose HKIC (canonical `A1234563` / `AB1234563`) has these six digits.
fn with_hkic_digits(conn: &mut DbConn, digits: &str) -> CoreResult<Vec<Patient>> {
    use crate::db::schema::patients as p;
    use diesel::prelude::*;
    let candidates: Vec<Patient> = p::table
        .filter(p::id_doc_type.eq(IdentityDocumentKind::Hkic))
        .filter(p::id_doc_number.like(format!("%{digits}_")))
        .select(Patient::as_select())
        .load(conn)?;
    Ok(candidates
        .into_iter()
        .filter(|patient| {
            let number = patient.id_doc_number.as_str();
            let letters = number.bytes().take_while(u8::is_ascii_alphabetic).count();
            number.get(letters..letters + 6) == Some(digits)
        })
        .collect())
}

/// A wrong eHR number or date of birth: against the caller, and against the patient if
/// the eHR number is theirs.
fn count_mismatch(
    conn: &mut DbConn,
    security: &SecurityConfig,
    claim: &Claim<'_>,
    now: DateTime<Utc>,
) -> CoreResult<Identification> {
    let owner = owner_of(conn, claim.id)?;
    let mut outcome = Identification::Mismatch;
    match owner {
        Some(patient) => {
            if count_on_key(
                conn,
                security,
                &patient,
                claim,
                "ivr_identity_mismatch",
                now,
            )? {
                outcome = Identification::KeyLocked;
            }
        }
        None => audit_try(
            conn,
            claim,
            None,
            AuditOutcome::Failed,
            "ivr_unknown_number",
            now,
        )?,
    }
    Ok(count_wrong_identity(conn, security, claim, now)?.unwrap_or(outcome))
}

/// Counts a failure on the patient's access key, as a wrong key at the counter would;
/// returns whether the key is now locked (and the patient told).
fn count_on_key(
    conn: &mut DbConn,
    security: &SecurityConfig,
    patient: &Patient,
    claim: &Claim<'_>,
    reason: &str,
    now: DateTime<Utc>,
) -> CoreResult<bool> {
    let Some(record) = access_keys::current(conn, &patient.id)? else {
        audit_try(
            conn,
            claim,
            Some(&patient.id),
            AuditOutcome::Failed,
            reason,
            now,
        )?;
        return Ok(false);
    };
    if record.locked_at.is_some() {
        audit_try(
            conn,
            claim,
            Some(&patient.id),
            AuditOutcome::Locked,
            reason,
            now,
        )?;
        return Ok(true);
    }
    let failures = record.failed_attempts.saturating_add(1);
    let max = i32::try_from(security.access_key_max_failures).unwrap_or(i32::MAX);
    let locks = failures >= max;
    access_keys::record_failure(conn, &record.id, failures, locks.then(|| to_db(now)))?;
    if locks {
        crate::metrics::metrics().lockout("access_key");
    }
    let outcome = if locks {
        AuditOutcome::Locked
    } else {
        AuditOutcome::Failed
    };
    audit_try(conn, claim, Some(&patient.id), outcome, reason, now)?;
    if locks {
        let event = PatientEvent {
            event_id: format!("locked:{}", record.id),
            notice: Notice::AccessKeyLocked(AccessKeyLockedFacts {
                failed_attempts: i64::from(failures),
                channel: Some("ivr".to_owned()),
            }),
        };
        notify_patient(conn, patient, &event, now)?;
    }
    Ok(locks)
}

pub(crate) fn audit_try(
    conn: &mut DbConn,
    claim: &Claim<'_>,
    patient_id: Option<&PatientId>,
    outcome: AuditOutcome,
    reason: &str,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let mut entry = NewAuditEntry::new(
        AuditAction::AccessKeyAttempt,
        caller_actor(claim.caller),
        outcome,
    )
    .reason(reason)
    .details(json!({ "channel": "ivr" }));
    if let Some(id) = patient_id {
        entry = entry.patient(id);
    }
    audit::append(conn, &entry, now)?;
    Ok(())
}

/// The latest granted views of the patient's record, newest first.
pub fn latest_accesses(
    conn: &mut DbConn,
    patient_id: &PatientId,
    limit: usize,
) -> CoreResult<Vec<AuditEntry>> {
    let entries = audit::for_patient(conn, patient_id, None, 200)?;
    Ok(entries
        .into_iter()
        .filter(|e| e.event == AuditAction::RecordView && e.outcome == AuditOutcome::Granted)
        .take(limit)
        .collect())
}
