//! The eHR portal's form ids (issue 18): one post of a rendered form acts; a second post
//! of the same form (a double click, a resend after a slow answer) finds it claimed.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};

use super::schema::portal_submissions as ps;
use super::{to_db, DbConn};
use crate::ids::AccountId;

/// Claims `form_id` for this post (in its own statement: a second post sees the claim at
/// once). `false`: the form was posted before.
pub fn claim(
    conn: &mut DbConn,
    form_id: &str,
    account_id: &AccountId,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(ps::table)
        .values((
            ps::form_id.eq(form_id),
            ps::account_id.eq(account_id),
            ps::claimed_at.eq(to_db(now)),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The first post of the form has done its work (whatever its outcome).
pub fn finish(conn: &mut DbConn, form_id: &str, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(ps::table.find(form_id))
        .set(ps::finished_at.eq(Some(to_db(now))))
        .execute(conn)
}

/// Whether the first post of the form, by this account, has finished.
pub fn finished(conn: &mut DbConn, form_id: &str, account_id: &AccountId) -> QueryResult<bool> {
    let row: Option<Option<chrono::NaiveDateTime>> = ps::table
        .find(form_id)
        .filter(ps::account_id.eq(account_id))
        .select(ps::finished_at)
        .first(conn)
        .optional()?;
    Ok(row.flatten().is_some())
}
