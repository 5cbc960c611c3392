//! Bearer sessions of patients, SDMs and accounts. Only the SHA-256 digest of a token is
//! stored; the token itself is shown once, when the session starts.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::sessions as se;
use super::{from_db, new_id, to_db, DbConn};
use crate::domain::SessionSubject;
use crate::secret::{random_token, token_digest};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = se)]
pub struct Session {
    pub id: String,
    pub subject_kind: SessionSubject,
    pub subject_id: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Starts a session in the caller's transaction; returns it and the token (once).
pub fn start(
    conn: &mut DbConn,
    subject_kind: SessionSubject,
    subject_id: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> QueryResult<(Session, String)> {
    let token = random_token();
    let session = Session {
        id: new_id(),
        subject_kind,
        subject_id: subject_id.to_owned(),
        created_at: to_db(now),
        expires_at: to_db(now + ttl),
        revoked_at: None,
    };
    diesel::insert_into(se::table)
        .values((
            se::id.eq(&session.id),
            se::token_hash.eq(token_digest(&token)),
            se::subject_kind.eq(session.subject_kind),
            se::subject_id.eq(&session.subject_id),
            se::created_at.eq(session.created_at),
            se::expires_at.eq(session.expires_at),
        ))
        .execute(conn)?;
    Ok((session, token))
}

/// The live session a token belongs to: not revoked, not expired.
pub fn resolve(conn: &mut DbConn, token: &str, now: DateTime<Utc>) -> QueryResult<Option<Session>> {
    let session: Option<Session> = se::table
        .filter(se::token_hash.eq(token_digest(token)))
        .filter(se::revoked_at.is_null())
        .select(Session::as_select())
        .first(conn)
        .optional()?;
    Ok(session.filter(|s| from_db(s.expires_at) > now))
}

/// Moves a live session's end to `until` (a sliding idle timeout).
pub fn extend(conn: &mut DbConn, id: &str, until: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(se::table.find(id).filter(se::revoked_at.is_null()))
        .set(se::expires_at.eq(to_db(until)))
        .execute(conn)
}

pub fn revoke(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(se::table.find(id).filter(se::revoked_at.is_null()))
        .set(se::revoked_at.eq(Some(to_db(now))))
        .execute(conn)
}

/// Ends every session of a subject (disabled account, withdrawn patient).
pub fn revoke_all(
    conn: &mut DbConn,
    subject_kind: SessionSubject,
    subject_id: &str,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        se::table
            .filter(se::subject_kind.eq(subject_kind))
            .filter(se::subject_id.eq(subject_id))
            .filter(se::revoked_at.is_null()),
    )
    .set(se::revoked_at.eq(Some(to_db(now))))
    .execute(conn)
}
