//! Sharing consent taken at a provider's counter with the patient's access key (give,
//! renew, change, revoke). A signed form or a smart HKIC read is `form_consent`.
//!
//! Guessing defences on the key: a wrong key counts against the patient (the key locks
//! after the configured number of tries until the patient makes a new one, and the patient
//! is told), and against the account and the provider (throttled for a while). The check
//! and its counters are committed first; the consent is then its own transaction.

use crate::ErrorCode;
use chrono::{DateTime, Utc};
use serde_json::json;

use super::access_key::{KeyAttempt, KeyCheck, Prechecked};
use super::accounts::Staff;
use super::consent::{self, ConsentRequest};
use super::throttle;
use crate::config::SecurityConfig;
use crate::db::audit::{self, NewAuditEntry};
use crate::db::consents::{self, SharingConsent};
use crate::db::patients::{self, Patient};
use crate::db::{write_tx, DbConn};
use crate::domain::{AuditAction, AuditOutcome, ConsentChannel, ConsentType};
use crate::error::{CoreError, CoreResult};
use crate::ids::{AccessKey, EhrNumber, IdentityDocument, ProviderId};
use crate::rules::LockoutPolicy;
use crate::secret::SecretHasher;

/// How the professional names the patient.
#[derive(Debug, Clone)]
pub enum PatientRef {
    Ehr(EhrNumber),
    Document(IdentityDocument),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAction {
    Give,
    Renew,
    Change,
    Revoke,
}

impl KeyAction {
    pub fn parse(s: &str) -> CoreResult<Self> {
        match s {
            "give" => Ok(Self::Give),
            "renew" => Ok(Self::Renew),
            "change" => Ok(Self::Change),
            "revoke" => Ok(Self::Revoke),
            _ => Err(CoreError::invalid(
                "action",
                "must be one of: give, renew, change, revoke",
            )),
        }
    }
}

pub fn find_patient(conn: &mut DbConn, who: &PatientRef) -> CoreResult<Option<Patient>> {
    Ok(match who {
        PatientRef::Ehr(e) => patients::find_by_ehr_number(conn, e.as_str())?,
        PatientRef::Document(d) => patients::find_by_document(conn, &d.key())?,
    })
}

pub(crate) fn provider_of(staff: &Staff) -> CoreResult<ProviderId> {
    let id = staff.provider_id().ok_or_else(|| {
        CoreError::refused(
            ErrorCode::WrongRole,
            "only a provider's account can take consent",
        )
    })?;
    ProviderId::parse(id)
}

/// Give, renew, change or revoke this provider's consent with the patient's access key.
#[allow(clippy::too_many_arguments)]
pub fn with_access_key(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    security: &SecurityConfig,
    staff: &Staff,
    who: &PatientRef,
    key: &AccessKey,
    action: KeyAction,
    consent_type: Option<ConsentType>,
    now: DateTime<Utc>,
) -> CoreResult<SharingConsent> {
    let provider = provider_of(staff)?;
    let consent_type = match (action, consent_type) {
        (KeyAction::Revoke, _) => None,
        (_, Some(t @ (ConsentType::OneYear | ConsentType::Indefinite))) => Some(t),
        _ => return Err(CoreError::invalid("type", "must be one_year or indefinite")),
    };
    let checked = key_first(conn, hasher, security, staff, who, key, now)?;
    let patient = write_tx(conn, |conn| {
        let guess = Guess {
            who,
            key,
            checked: checked.as_ref(),
        };
        check_key(conn, hasher, security, staff, &guess, now)
    })??;
    let current = consents::current(conn, &patient.id, provider.as_str())?;
    let Some(consent_type) = consent_type else {
        return consent::revoke(
            conn,
            &patient.id,
            &provider,
            ConsentChannel::AccessKey,
            &staff.actor(),
            now,
        );
    };
    match (action, &current) {
        (KeyAction::Renew | KeyAction::Change, None) => {
            return Err(CoreError::conflict(
                ErrorCode::NoConsent,
                "there is no consent to renew or change",
            ))
        }
        (KeyAction::Change, Some(c)) if c.consent_type == consent_type => {
            return Err(CoreError::conflict(
                ErrorCode::SameType,
                "the consent is already of this type",
            ))
        }
        _ => {}
    }
    let request = ConsentRequest {
        patient_id: patient.id.clone(),
        provider_id: provider,
        consent_type,
        channel: ConsentChannel::AccessKey,
        actor: staff.actor(),
    };
    consent::give(conn, &request, now)
}

/// The key's Argon2id verification, before the write transaction (on SQLite it would hold
/// the one writer lock): a place in the pool first (`Busy` before the patient is looked
/// up), then exactly one verification whatever is found. None if the staff look
/// throttled: their try will be refused without a check.
fn key_first(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    security: &SecurityConfig,
    staff: &Staff,
    who: &PatientRef,
    key: &AccessKey,
    now: DateTime<Utc>,
) -> CoreResult<Option<Prechecked>> {
    let turn = hasher.reserve()?;
    for (scope, _) in guess_scopes(security, staff) {
        if throttle::retry_after_unlocked(conn, &scope, now)?.is_some() {
            return Ok(None);
        }
    }
    let patient = find_patient(conn, who)?;
    Prechecked::run(conn, turn, patient.as_ref(), key).map(Some)
}

/// The patient named, the key typed, and its verification made before the transaction.
struct Guess<'a> {
    who: &'a PatientRef,
    key: &'a AccessKey,
    checked: Option<&'a Prechecked>,
}

fn guess_scopes(security: &SecurityConfig, staff: &Staff) -> [(String, LockoutPolicy); 2] {
    [
        (
            format!("keyguess:account:{}", staff.account.id),
            security.account_policy(),
        ),
        (
            format!("keyguess:provider:{}", staff.provider_id().unwrap_or("-")),
            security.provider_policy(),
        ),
    ]
}

/// The throttles, the patient and the key check, in the caller's transaction. The outer
/// result is committed; the inner one is the answer.
fn check_key(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    security: &SecurityConfig,
    staff: &Staff,
    guess: &Guess<'_>,
    now: DateTime<Utc>,
) -> CoreResult<CoreResult<Patient>> {
    let (who, key) = (guess.who, guess.key);
    let scopes = guess_scopes(security, staff);
    // One account's tries queue behind its counter's lock (exact). The provider's counter
    // is only read here, so that every counter of a provider does not queue behind one
    // lock (the key was verified before the transaction; a fallback verifies here); each
    // failure is still counted.
    let (account, provider) = (&scopes[0].0, &scopes[1].0);
    let waits = [
        (account, throttle::retry_after(conn, account, now)?),
        (
            provider,
            throttle::retry_after_unlocked(conn, provider, now)?,
        ),
    ];
    if let Some((scope, secs)) = waits.into_iter().find_map(|(s, w)| Some((s, w?))) {
        audit_staff_try(
            conn,
            staff,
            AuditOutcome::Locked,
            "staff_throttled",
            json!({ "scope": scope }),
            now,
        )?;
        return Ok(Err(throttle::rate_limited(secs)));
    }
    let count_against_staff = |conn: &mut DbConn| -> CoreResult<()> {
        for (scope, policy) in &scopes {
            throttle::fail(conn, scope, policy, now)?;
        }
        Ok(())
    };
    let Some(patient) = find_patient(conn, who)? else {
        Prechecked::decoy(guess.checked, hasher, key)?;
        count_against_staff(conn)?;
        audit_staff_try(
            conn,
            staff,
            AuditOutcome::Failed,
            "patient_not_found",
            json!({}),
            now,
        )?;
        return Ok(Err(CoreError::NotFound("patient")));
    };
    let policy = security.access_key_policy();
    let attempt = KeyAttempt {
        patient: &patient,
        typed: key,
        actor: &staff.actor(),
    };
    match Prechecked::check(guess.checked, conn, hasher, &policy, &attempt, now)? {
        KeyCheck::Accepted => Ok(Ok(patient)),
        KeyCheck::Wrong { remaining } => {
            count_against_staff(conn)?;
            Ok(Err(CoreError::refused(
                ErrorCode::WrongAccessKey,
                format!("the access key is wrong; {remaining} tries left before it locks"),
            )))
        }
        KeyCheck::Locked => {
            count_against_staff(conn)?;
            Ok(Err(CoreError::locked(
                ErrorCode::AccessKeyLocked,
                "the access key is locked; the patient must generate a new one",
            )))
        }
        KeyCheck::NoKey => Ok(Err(CoreError::refused(
            ErrorCode::NoAccessKey,
            "the patient has no access key",
        ))),
    }
}

/// An access-key try that never reached a patient's key: the staff were throttled, or the
/// patient named does not exist.
fn audit_staff_try(
    conn: &mut DbConn,
    staff: &Staff,
    outcome: AuditOutcome,
    reason: &str,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let mut entry = NewAuditEntry::new(AuditAction::AccessKeyAttempt, staff.actor(), outcome)
        .reason(reason)
        .details(details);
    if let Some(p) = staff.provider_id() {
        entry = entry.provider(p);
    }
    audit::append(conn, &entry, now)?;
    Ok(())
}
