//! The one-time code a voice-line caller asks for when they cannot give their access key
//! (to generate a new one): a code of `codes` for the purpose `IvrNewKey` (6 digits, sent
//! by SMS to the registered mobile, kept only as an HMAC, valid for a few minutes and for
//! `CodePurpose::max_tries` tries). The voice line adds its own limit per patient.

use chrono::{DateTime, Duration, Utc};

use super::codes::{self, CodePurpose, CodeRecipient};
use crate::db::patients::Patient;
use crate::db::{one_time_codes, DbConn};
use crate::error::CoreResult;
use crate::ids::{OneTimeCode, PatientId};
use crate::secret::SecretHasher;

const PURPOSE: CodePurpose = CodePurpose::IvrNewKey;
/// Codes sent to one patient per hour, so that the line cannot be used to flood a mobile.
pub const MAX_CODES_PER_HOUR: i64 = 3;

/// Codes sent to the patient in the last hour.
pub fn sent_lately(
    conn: &mut DbConn,
    patient_id: &PatientId,
    now: DateTime<Utc>,
) -> CoreResult<i64> {
    let sent =
        one_time_codes::sent_since(conn, PURPOSE, patient_id.as_str(), now - Duration::hours(1))?;
    Ok(i64::try_from(sent.len()).unwrap_or(i64::MAX))
}

/// Stores a fresh code (earlier unused ones stop working) and enqueues its SMS, in the
/// caller's transaction.
pub fn send(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    patient: &Patient,
    ttl: Duration,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let to = CodeRecipient {
        purpose: PURPOSE,
        subject_id: patient.id.as_str(),
        destination: &patient.mobile,
        patient_id: Some(&patient.id),
        language: patient.language,
    };
    codes::issue(conn, hasher, ttl, &to, now)?;
    Ok(())
}

/// Checks a typed code against the patient's live one; a right code is used up, a wrong
/// one spends a try. Runs in the caller's transaction.
pub fn verify(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    patient_id: &PatientId,
    typed: &OneTimeCode,
    now: DateTime<Utc>,
) -> CoreResult<bool> {
    // Concurrent calls trying codes for one patient go one after the other, so each
    // reads the try count the previous one left.
    crate::db::patients::lock(conn, patient_id)?;
    codes::check_latest(conn, hasher, PURPOSE, patient_id.as_str(), typed, now)
}
