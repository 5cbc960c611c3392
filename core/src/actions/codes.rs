//! One-time codes sent by SMS (or email, for a changed email address): mobile verification
//! of an application, sign-in, and contact changes. Guessing defences:
//! - each code lives `code_ttl_minutes` and takes at most `MAX_TRIES` wrong tries, then it
//!   is dead (locked) and a new one must be asked for;
//! - resending is throttled: one code per `RESEND_GAP_SECS`, at most `MAX_PER_HOUR` an hour,
//!   so at most `MAX_TRIES * MAX_PER_HOUR` guesses an hour against a million codes;
//! - against SMS pumping, at most `codes_per_destination_per_hour` codes go to one number
//!   (whatever the subject), and only to the country calling codes configured.
//!
//! A route that must not tell whether particulars match (sign-in) uses `send_or_cover`:
//! when no code may be sent it answers with a challenge all the same (see `code_cover`).
//!
//! Every try is audited.

use crate::ErrorCode;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use crate::config::SecurityConfig;
use crate::db::audit::{self, NewAuditEntry};
use crate::db::one_time_codes::{self, OneTimeCodeRecord};
use crate::db::patients;
use crate::db::{attempts, from_db, new_id, to_db, DbConn};
use crate::domain::notice::{CodeLockedFacts, VerificationCodeFacts};
use crate::domain::{
    Actor, AuditAction, AuditOutcome, Channel, Language, MobileNumber, Notice, Notification,
};
use crate::error::{CoreError, CoreResult};
use crate::ids::{OneTimeCode, PatientId};
use crate::seal::seal_job_secret;
use crate::secret::SecretHasher;

use super::notify::{enqueue, notify_patient, PatientEvent};

pub const MAX_TRIES: i32 = 5;
pub const RESEND_GAP_SECS: i64 = 60;
pub const MAX_PER_HOUR: usize = 5;

/// How codes are sent: their lifetime and the limits against SMS pumping.
#[derive(Debug, Clone)]
pub struct CodePolicy {
    pub ttl: Duration,
    /// Country calling codes (`852`) whose mobile numbers may receive codes.
    pub sms_countries: Vec<String>,
    pub per_destination_per_hour: usize,
}

impl CodePolicy {
    pub fn of(security: &SecurityConfig) -> Self {
        Self {
            ttl: Duration::minutes(security.code_ttl_minutes),
            sms_countries: security.sms_code_countries.clone(),
            per_destination_per_hour: security.codes_per_destination_per_hour as usize,
        }
    }

    /// Refuses a mobile number outside the countries codes are sent to.
    pub fn check_mobile(&self, mobile: &MobileNumber) -> CoreResult<()> {
        if mobile.in_countries(&self.sms_countries) {
            return Ok(());
        }
        Err(CoreError::invalid(
            MobileNumber::FIELD,
            "eHealth does not send codes to mobile numbers of this country",
        ))
    }
}

pub use crate::domain::CodePurpose;

impl CodePurpose {
    /// Wrong tries one code survives; the voice line's callers have fewer, its caller
    /// and patient counters limit the rest.
    pub fn max_tries(self) -> i32 {
        match self {
            Self::IvrNewKey => 3,
            _ => MAX_TRIES,
        }
    }

    pub fn channel(self) -> Channel {
        match self {
            Self::NewEmail => Channel::Email,
            _ => Channel::Sms,
        }
    }
}

/// Where and to whom a code goes. `patient_id` is None for an applicant (no patient yet):
/// the notifier then delivers to the job payload's `destination`.
#[derive(Debug, Clone)]
pub struct CodeRecipient<'a> {
    pub purpose: CodePurpose,
    pub subject_id: &'a str,
    pub destination: &'a str,
    pub patient_id: Option<&'a PatientId>,
    pub language: Language,
}

#[derive(Debug, Clone)]
pub struct CodeSent {
    pub id: String,
    pub expires_at: DateTime<Utc>,
}

pub(super) fn binding(purpose: CodePurpose, subject_id: &str) -> String {
    format!("{}:{subject_id}", purpose.as_str())
}

/// Why no code may go to `to` now, if so: a destination outside the countries served, a
/// resend too soon or too often for the subject, too many codes to the destination.
pub fn refusal(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    to: &CodeRecipient<'_>,
    policy: &CodePolicy,
    now: DateTime<Utc>,
) -> CoreResult<Option<CoreError>> {
    if to.purpose.channel() == Channel::Sms {
        let checked = MobileNumber::parse(to.destination).and_then(|m| policy.check_mobile(&m));
        if let Err(e) = checked {
            return Ok(Some(e));
        }
    }
    // Sends to one destination are decided one after another: the destination's counter
    // row is held until the transaction ends, so concurrent requests (12 applications, or
    // one patient's double tap) cannot all read the same counts on PostgreSQL.
    let scope = format!(
        "code-dest:{}",
        hasher.code_digest("code-destination", to.destination)
    );
    attempts::load_for_update(conn, &scope, now)?;
    let hour_ago = now - Duration::hours(1);
    let sent = one_time_codes::sent_since(conn, to.purpose, to.subject_id, hour_ago)?;
    if let Some(last) = sent.first() {
        let wait = RESEND_GAP_SECS - (now - from_db(*last)).num_seconds();
        if wait > 0 {
            return Ok(Some(rate_limited(wait)));
        }
    }
    if sent.len() >= MAX_PER_HOUR {
        return Ok(Some(wait_an_hour_from(sent.last(), now)));
    }
    let to_destination = one_time_codes::sent_to_since(conn, to.destination, hour_ago)?;
    if to_destination.len() >= policy.per_destination_per_hour {
        return Ok(Some(wait_an_hour_from(to_destination.last(), now)));
    }
    Ok(None)
}

fn rate_limited(secs: i64) -> CoreError {
    CoreError::RateLimited {
        retry_after_secs: u64::try_from(secs.max(1)).unwrap_or(1),
    }
}

/// Until the oldest of an hour's sends is an hour old.
fn wait_an_hour_from(oldest: Option<&chrono::NaiveDateTime>, now: DateTime<Utc>) -> CoreError {
    let oldest = oldest.map(|t| from_db(*t)).unwrap_or(now);
    rate_limited((oldest + Duration::hours(1) - now).num_seconds())
}

/// Sends a code if one may be sent now; otherwise answers as if it had: the subject's open
/// code under a new challenge (the code already sent keeps working), or a decoy. For
/// routes whose answer must not depend on whether the particulars matched.
pub fn send_or_cover(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    policy: &CodePolicy,
    to: &CodeRecipient<'_>,
    now: DateTime<Utc>,
) -> CoreResult<CodeSent> {
    if refusal(conn, hasher, to, policy, now)?.is_none() {
        return issue(conn, hasher, policy.ttl, to, now);
    }
    super::code_cover::reissue_or_decoy(conn, hasher, policy.ttl, to.purpose, to.subject_id, now)
}

/// Makes a new code (the open ones stop working) and enqueues it, in the caller's
/// transaction. The code itself is only in the job, which the notifier scrubs once sent.
pub fn send(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    policy: &CodePolicy,
    to: &CodeRecipient<'_>,
    now: DateTime<Utc>,
) -> CoreResult<CodeSent> {
    if let Some(refused) = refusal(conn, hasher, to, policy, now)? {
        return Err(refused);
    }
    issue(conn, hasher, policy.ttl, to, now)
}

pub(super) fn issue(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    ttl: Duration,
    to: &CodeRecipient<'_>,
    now: DateTime<Utc>,
) -> CoreResult<CodeSent> {
    one_time_codes::retire_open(conn, to.purpose, to.subject_id, now)?;
    let code = OneTimeCode::generate(&mut rand::rngs::OsRng);
    let record = OneTimeCodeRecord {
        id: new_id(),
        purpose: to.purpose,
        subject_id: to.subject_id.to_owned(),
        destination: to.destination.to_owned(),
        code_hash: hasher.code_digest(&binding(to.purpose, to.subject_id), code.expose()),
        attempts: 0,
        created_at: to_db(now),
        expires_at: to_db(now + ttl),
        consumed_at: None,
    };
    one_time_codes::insert(conn, &record)?;
    let notification = Notification {
        event_id: record.id.clone(),
        patient_id: to.patient_id.cloned(),
        destination: Some(to.destination.to_owned()),
        language: to.language.as_str().to_owned(),
        name_en: None,
        name_zh: None,
        occurred_at: now.to_rfc3339(),
        // Sealed: the clear code is never written (see `seal`).
        notice: Notice::VerificationCode(VerificationCodeFacts {
            code: Some(seal_job_secret(
                hasher.sealer(),
                &record.id,
                "code",
                code.expose(),
            )?),
            purpose: Some(to.purpose.to_string()),
            legacy_destination: None,
        }),
    };
    let channel = to.purpose.channel();
    let dedupe_key = format!("code:{}:{channel}", record.id);
    enqueue(conn, &notification, channel, dedupe_key, now)?;
    Ok(CodeSent {
        id: record.id,
        expires_at: from_db(record.expires_at),
    })
}

/// The result of a try. A wrong try is an outcome to commit (its count and audit entry
/// must stay), not an error that rolls back; `into_result` makes it an error afterwards.
#[derive(Debug, Clone, PartialEq)]
pub enum CodeCheck {
    Accepted(OneTimeCodeRecord),
    Wrong {
        remaining: i32,
    },
    Expired,
    /// Too many wrong tries: the code is dead.
    Locked,
}

impl CodeCheck {
    pub fn into_result(self) -> CoreResult<OneTimeCodeRecord> {
        match self {
            Self::Accepted(r) => Ok(r),
            refused => Err(refused.refusal()),
        }
    }

    /// The error to answer a refused try with.
    pub fn refusal(self) -> CoreError {
        match self {
            Self::Accepted(_) => CoreError::Internal("an accepted code was refused".to_owned()),
            Self::Wrong { remaining } => CoreError::unauthenticated(
                ErrorCode::InvalidCode,
                format!("the code is wrong; {remaining} tries left"),
            ),
            Self::Expired => CoreError::unauthenticated(
                ErrorCode::CodeExpired,
                "the code is unknown, has expired or was replaced; ask for a new one",
            ),
            Self::Locked => CoreError::locked(
                ErrorCode::CodeLocked,
                "too many wrong tries; ask for a new code",
            ),
        }
    }
}

/// A try at a code: what it is for, what was typed, by whom, about which patient.
#[derive(Debug, Clone)]
pub struct CodeTry<'a> {
    pub purpose: CodePurpose,
    pub typed: &'a OneTimeCode,
    pub actor: &'a Actor,
    pub patient_id: Option<&'a PatientId>,
}

/// Checks a try against `record` (the code asked for) and consumes it if right.
pub fn check(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    record: &OneTimeCodeRecord,
    attempt: &CodeTry<'_>,
    now: DateTime<Utc>,
) -> CoreResult<CodeCheck> {
    let purpose = attempt.purpose;
    let outcome = if record.purpose != purpose {
        CodeCheck::Expired
    } else if record.attempts >= purpose.max_tries() {
        CodeCheck::Locked
    } else if record.consumed_at.is_some() || from_db(record.expires_at) <= now {
        CodeCheck::Expired
    } else {
        try_code(conn, hasher, record, attempt, now)?
    };
    audit_try(conn, record, &outcome, attempt, now)?;
    Ok(outcome)
}

/// Takes a try atomically, then compares. A right code is consumed (a try spent on it
/// costs nothing, the code is gone); a wrong one leaves its try counted.
fn try_code(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    record: &OneTimeCodeRecord,
    attempt: &CodeTry<'_>,
    now: DateTime<Utc>,
) -> CoreResult<CodeCheck> {
    let CodeTry { purpose, typed, .. } = *attempt;
    let Some(used) = one_time_codes::take_try(conn, &record.id, purpose.max_tries())? else {
        return Ok(CodeCheck::Locked);
    };
    let right = hasher.verify_code(
        &binding(purpose, &record.subject_id),
        typed.expose(),
        &record.code_hash,
    );
    if right && one_time_codes::consume(conn, &record.id, now)? {
        return Ok(CodeCheck::Accepted(record.clone()));
    }
    Ok(match purpose.max_tries() - used {
        0 => {
            if let Some(patient_id) = attempt.patient_id {
                tell_patient_code_locked(conn, record, patient_id, now)?;
            }
            CodeCheck::Locked
        }
        remaining => CodeCheck::Wrong { remaining },
    })
}

/// Checks `typed` against the newest live code of `purpose` for `subject_id`, without an
/// audit entry (the caller audits its own way): a right code is used up, a wrong one
/// spends a try. For the voice line, whose caller only learns right or wrong.
pub(super) fn check_latest(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    purpose: CodePurpose,
    subject_id: &str,
    typed: &OneTimeCode,
    now: DateTime<Utc>,
) -> CoreResult<bool> {
    let live = one_time_codes::latest_open(conn, purpose, subject_id)?
        .filter(|r| from_db(r.expires_at) > now);
    let Some(record) = live else {
        return Ok(false);
    };
    if one_time_codes::take_try(conn, &record.id, purpose.max_tries())?.is_none() {
        return Ok(false);
    }
    let binding = binding(purpose, subject_id);
    if !hasher.verify_code(&binding, typed.expose(), &record.code_hash) {
        return Ok(false);
    }
    Ok(one_time_codes::consume(conn, &record.id, now)?)
}

/// The try that killed a code tells the patient it belongs to by their selected means
/// (someone may be guessing at their sign-in). Codes of an application have no patient
/// yet; the applicant simply asks for a new one.
fn tell_patient_code_locked(
    conn: &mut DbConn,
    record: &OneTimeCodeRecord,
    patient_id: &PatientId,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let Some(patient) = patients::find(conn, patient_id)? else {
        return Ok(());
    };
    let event = PatientEvent {
        event_id: format!("code-locked:{}", record.id),
        notice: Notice::CodeLocked(CodeLockedFacts {
            purpose: record.purpose.to_string(),
        }),
    };
    notify_patient(conn, &patient, &event, now)?;
    Ok(())
}

fn audit_try(
    conn: &mut DbConn,
    record: &OneTimeCodeRecord,
    outcome: &CodeCheck,
    attempt: &CodeTry<'_>,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let (result, reason) = match outcome {
        CodeCheck::Accepted(_) => (AuditOutcome::Succeeded, "code_accepted"),
        CodeCheck::Wrong { .. } => (AuditOutcome::Failed, "code_wrong"),
        CodeCheck::Expired => (AuditOutcome::Refused, "code_expired"),
        CodeCheck::Locked => (AuditOutcome::Locked, "code_locked"),
    };
    let mut entry = NewAuditEntry::new(AuditAction::CodeAttempt, attempt.actor.clone(), result)
        .reason(reason)
        .details(json!({ "purpose": record.purpose, "code_id": record.id }));
    if let Some(p) = attempt.patient_id {
        entry = entry.patient(p);
    }
    audit::append(conn, &entry, now)?;
    Ok(())
}
