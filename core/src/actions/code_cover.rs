//! What a sign-in answers when no code is sent, so that the answer, its cost and its
//! throttling are the same whether or not the particulars matched someone (issue 11):
//! - particulars that match no one, or a subject who may not be sent a code now, get a
//!   **decoy**: a real challenge row that no code can ever match (its digest is of a long
//!   random string, never of 6 digits), so verifying it answers `invalid_code` with tries
//!   left and then `code_locked`, like any challenge;
//! - a subject asking again within the resend gap gets their **open code re-issued** under
//!   a new challenge id (same digest and count of tries, a fresh lifetime): no second SMS,
//!   and the code already received works with the new challenge (the old id stops).

use chrono::{DateTime, Duration, Utc};

use super::codes::{binding, CodePurpose, CodeSent, MAX_TRIES};
use crate::db::one_time_codes::{self, OneTimeCodeRecord};
use crate::db::{from_db, new_id, to_db, DbConn};
use crate::error::CoreResult;
use crate::secret::{random_token, SecretHasher};

/// Subject ids of decoy challenges start so; they name no one.
const DECOY: &str = "decoy:";

pub fn is_decoy(subject_id: &str) -> bool {
    subject_id.starts_with(DECOY)
}

/// Re-issues the subject's open code if it can still be used, else makes a decoy.
pub fn reissue_or_decoy(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    ttl: Duration,
    purpose: CodePurpose,
    subject_id: &str,
    now: DateTime<Utc>,
) -> CoreResult<CodeSent> {
    match one_time_codes::latest_open(conn, purpose, subject_id)? {
        Some(open) if open.attempts < MAX_TRIES && from_db(open.expires_at) > now => {
            reissue(conn, hasher, &open, purpose, ttl, now)
        }
        _ => decoy(conn, hasher, ttl, purpose, now),
    }
}

/// The open code under a new id (the old id stops working) and a fresh lifetime. The
/// row is moved, not copied: a re-issue is not counted as a code sent.
fn reissue(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    open: &OneTimeCodeRecord,
    purpose: CodePurpose,
    ttl: Duration,
    now: DateTime<Utc>,
) -> CoreResult<CodeSent> {
    let id = new_id();
    // Through the stored form, as a real challenge's expiry is: the same precision.
    let expires_at = from_db(to_db(now + ttl));
    if !one_time_codes::reissue(conn, &open.id, &id, expires_at)? {
        // Used or replaced meanwhile (the caller holds the destination's lock, so hardly).
        return decoy(conn, hasher, ttl, purpose, now);
    }
    Ok(CodeSent { id, expires_at })
}

/// A challenge that nothing matches, written like a real one (same statements, same HMAC).
pub fn decoy(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    ttl: Duration,
    purpose: CodePurpose,
    now: DateTime<Utc>,
) -> CoreResult<CodeSent> {
    let subject_id = format!("{DECOY}{}", new_id());
    one_time_codes::retire_open(conn, purpose, &subject_id, now)?;
    let record = OneTimeCodeRecord {
        id: new_id(),
        purpose,
        code_hash: hasher.code_digest(&binding(purpose, &subject_id), &random_token()),
        subject_id,
        destination: String::new(),
        attempts: 0,
        created_at: to_db(now),
        expires_at: to_db(now + ttl),
        consumed_at: None,
    };
    one_time_codes::insert(conn, &record)?;
    Ok(CodeSent {
        id: record.id,
        expires_at: from_db(record.expires_at),
    })
}
