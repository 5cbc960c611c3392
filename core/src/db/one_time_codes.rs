//! 6-digit one-time codes (mobile verification, sign-in, contact changes). Only an HMAC of
//! the code is stored, bound to its purpose and subject; wrong tries are counted on the
//! code itself.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::one_time_codes as otc;
use super::{to_db, DbConn};
use crate::domain::CodePurpose;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = otc)]
pub struct OneTimeCodeRecord {
    pub id: String,
    pub purpose: CodePurpose,
    pub subject_id: String,
    pub destination: String,
    pub code_hash: String,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub consumed_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, code: &OneTimeCodeRecord) -> QueryResult<()> {
    diesel::insert_into(otc::table)
        .values(code)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<OneTimeCodeRecord>> {
    otc::table
        .find(id)
        .select(OneTimeCodeRecord::as_select())
        .first(conn)
        .optional()
}

/// The newest unconsumed code for (purpose, subject), expired or not.
pub fn latest_open(
    conn: &mut DbConn,
    purpose: CodePurpose,
    subject_id: &str,
) -> QueryResult<Option<OneTimeCodeRecord>> {
    otc::table
        .filter(otc::purpose.eq(purpose))
        .filter(otc::subject_id.eq(subject_id))
        .filter(otc::consumed_at.is_null())
        .order(otc::created_at.desc())
        .select(OneTimeCodeRecord::as_select())
        .first(conn)
        .optional()
}

/// Codes sent for (purpose, subject) since `since`, newest first: for throttling resends.
pub fn sent_since(
    conn: &mut DbConn,
    purpose: CodePurpose,
    subject_id: &str,
    since: DateTime<Utc>,
) -> QueryResult<Vec<NaiveDateTime>> {
    otc::table
        .filter(otc::purpose.eq(purpose))
        .filter(otc::subject_id.eq(subject_id))
        .filter(otc::created_at.ge(to_db(since)))
        .order(otc::created_at.desc())
        .select(otc::created_at)
        .load(conn)
}

/// Codes sent to `destination` since `since` (any purpose and subject), newest first: for
/// throttling codes per mobile number or email address.
pub fn sent_to_since(
    conn: &mut DbConn,
    destination: &str,
    since: DateTime<Utc>,
) -> QueryResult<Vec<NaiveDateTime>> {
    otc::table
        .filter(otc::destination.eq(destination))
        .filter(otc::created_at.ge(to_db(since)))
        .order(otc::created_at.desc())
        .select(otc::created_at)
        .load(conn)
}

/// A new code replaces the open ones: they stop working at once.
pub fn retire_open(
    conn: &mut DbConn,
    purpose: CodePurpose,
    subject_id: &str,
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        otc::table
            .filter(otc::purpose.eq(purpose))
            .filter(otc::subject_id.eq(subject_id))
            .filter(otc::consumed_at.is_null()),
    )
    .set(otc::consumed_at.eq(Some(to_db(at))))
    .execute(conn)
}

/// Takes one of the code's tries, if any is left, and returns how many are now used. The
/// guard is in the statement, so concurrent tries cannot all read the same count (on
/// PostgreSQL the second waits for the first's row lock and re-checks the guard).
pub fn take_try(conn: &mut DbConn, id: &str, max_tries: i32) -> QueryResult<Option<i32>> {
    let n = diesel::update(otc::table.find(id).filter(otc::attempts.lt(max_tries)))
        .set(otc::attempts.eq(otc::attempts + 1))
        .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    otc::table
        .find(id)
        .select(otc::attempts)
        .first(conn)
        .map(Some)
}

/// Gives an open code a new id (the old one stops working) and a new expiry: a challenge
/// re-issued for a code already sent, without a second row to count as a send.
pub fn reissue(
    conn: &mut DbConn,
    id: &str,
    new_id: &str,
    expires_at: DateTime<Utc>,
) -> QueryResult<bool> {
    let n = diesel::update(otc::table.find(id).filter(otc::consumed_at.is_null()))
        .set((otc::id.eq(new_id), otc::expires_at.eq(to_db(expires_at))))
        .execute(conn)?;
    Ok(n == 1)
}

/// Marks the code used; false if it was used (or retired) already.
pub fn consume(conn: &mut DbConn, id: &str, at: DateTime<Utc>) -> QueryResult<bool> {
    let n = diesel::update(otc::table.find(id).filter(otc::consumed_at.is_null()))
        .set(otc::consumed_at.eq(Some(to_db(at))))
        .execute(conn)?;
    Ok(n == 1)
}
