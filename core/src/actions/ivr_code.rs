//! The one-time code a voice-line caller asks for when they cannot give their access key
//! (to generate a new one): 6 digits, sent by SMS to the registered mobile, kept only as
//! an HMAC, valid for a few minutes and for a few tries.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::notify::MAX_ATTEMPTS;
use crate::db::patients::Patient;
use crate::db::schema::one_time_codes as otc;
use crate::db::{jobs, new_id, to_db, DbConn};
use crate::domain::{Channel, NotificationKind};
use crate::error::CoreResult;
use crate::ids::OneTimeCode;
use crate::seal::seal_job_secret;
use crate::secret::SecretHasher;

pub const PURPOSE: &str = "ivr_new_key";
/// Wrong tries one code survives; the caller and patient counters limit the rest.
pub const MAX_CODE_TRIES: i32 = 3;
/// Codes sent to one patient per hour, so that the line cannot be used to flood a mobile.
pub const MAX_CODES_PER_HOUR: i64 = 3;

/// Codes sent to the patient in the last hour.
pub fn sent_lately(conn: &mut DbConn, patient_id: &str, now: DateTime<Utc>) -> CoreResult<i64> {
    Ok(otc::table
        .filter(otc::purpose.eq(PURPOSE))
        .filter(otc::subject_id.eq(patient_id))
        .filter(otc::created_at.gt(to_db(now - Duration::hours(1))))
        .count()
        .get_result(conn)?)
}

fn binding(patient_id: &str) -> String {
    format!("{PURPOSE}:{patient_id}")
}

/// Stores a fresh code (earlier unused ones stop counting) and enqueues its SMS, in the
/// caller's transaction.
pub fn send(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    patient: &Patient,
    ttl: Duration,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let code = OneTimeCode::generate(&mut rand::rngs::OsRng);
    diesel::update(
        otc::table
            .filter(otc::purpose.eq(PURPOSE))
            .filter(otc::subject_id.eq(&patient.id))
            .filter(otc::consumed_at.is_null()),
    )
    .set(otc::consumed_at.eq(Some(to_db(now))))
    .execute(conn)?;
    let id = new_id();
    diesel::insert_into(otc::table)
        .values((
            otc::id.eq(&id),
            otc::purpose.eq(PURPOSE),
            otc::subject_id.eq(&patient.id),
            otc::destination.eq(&patient.mobile),
            otc::code_hash.eq(hasher.code_digest(&binding(&patient.id), code.expose())),
            otc::attempts.eq(0),
            otc::created_at.eq(to_db(now)),
            otc::expires_at.eq(to_db(now + ttl)),
        ))
        .execute(conn)?;
    let job = jobs::NewJob {
        job_type: NotificationKind::VerificationCode.as_str().to_owned(),
        channel: Channel::Sms.as_str().to_owned(),
        patient_id: Some(patient.id.clone()),
        dedupe_key: format!("code:{id}"),
        payload: json!({
            "kind": NotificationKind::VerificationCode.as_str(),
            "event_id": id,
            "patient_id": patient.id,
            "language": patient.language,
            "name_en": patient.name_en,
            "name_zh": patient.name_zh,
            "occurred_at": now.to_rfc3339(),
            // The code travels sealed in the job until delivered, like a new access key.
            "facts": {
                "code": seal_job_secret(hasher.sealer(), &id, "code", code.expose())?,
                "destination": patient.mobile,
            },
        }),
        max_attempts: MAX_ATTEMPTS,
    };
    jobs::enqueue(conn, &job, now)?;
    Ok(())
}

/// Checks a typed code against the patient's live one; a right code is used up, a wrong
/// one spends a try. Runs in the caller's transaction.
pub fn verify(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    patient_id: &str,
    typed: &OneTimeCode,
    now: DateTime<Utc>,
) -> CoreResult<bool> {
    // Concurrent calls trying codes for one patient go one after the other, so each
    // reads the try count the previous one left.
    crate::db::patients::lock(conn, patient_id)?;
    let live: Option<(String, String, i32)> = otc::table
        .filter(otc::purpose.eq(PURPOSE))
        .filter(otc::subject_id.eq(patient_id))
        .filter(otc::consumed_at.is_null())
        .filter(otc::expires_at.gt(to_db(now)))
        .order(otc::created_at.desc())
        .select((otc::id, otc::code_hash, otc::attempts))
        .first(conn)
        .optional()?;
    let Some((id, hash, attempts)) = live else {
        return Ok(false);
    };
    if hasher.verify_code(&binding(patient_id), typed.expose(), &hash) {
        diesel::update(otc::table.find(&id))
            .set(otc::consumed_at.eq(Some(to_db(now))))
            .execute(conn)?;
        return Ok(true);
    }
    let tries = attempts + 1;
    let used_up = (tries >= MAX_CODE_TRIES).then(|| to_db(now));
    diesel::update(otc::table.find(&id))
        .set((otc::attempts.eq(tries), otc::consumed_at.eq(used_up)))
        .execute(conn)?;
    Ok(false)
}
