//! Server-side state of WebAuthn ceremonies between their start and finish. The client
//! only ever holds the ceremony id; a state is taken (deleted) when it is used, so a
//! ceremony finishes at most once.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::auth_ceremonies as ac;
use super::{from_db, to_db, DbConn};
use crate::domain::CeremonyKind;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = ac)]
pub struct Ceremony {
    pub id: String,
    pub kind: CeremonyKind,
    pub subject_id: Option<String>,
    pub state: String,
}

pub fn insert(
    conn: &mut DbConn,
    ceremony: &Ceremony,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(ac::table)
        .values((
            ac::id.eq(&ceremony.id),
            ac::kind.eq(ceremony.kind),
            ac::subject_id.eq(&ceremony.subject_id),
            ac::state.eq(&ceremony.state),
            ac::created_at.eq(to_db(now)),
            ac::expires_at.eq(to_db(expires_at)),
        ))
        .execute(conn)
        .map(drop)
}

/// Removes and returns a live ceremony of `kind`; `None` if unknown, used or expired.
pub fn take(
    conn: &mut DbConn,
    id: &str,
    kind: CeremonyKind,
    now: DateTime<Utc>,
) -> QueryResult<Option<Ceremony>> {
    let row: Option<(Ceremony, chrono::NaiveDateTime)> = ac::table
        .find(id)
        .filter(ac::kind.eq(kind))
        .select((Ceremony::as_select(), ac::expires_at))
        .first(conn)
        .optional()?;
    let Some((ceremony, expires_at)) = row else {
        return Ok(None);
    };
    let deleted = diesel::delete(ac::table.find(id)).execute(conn)?;
    Ok((deleted == 1 && from_db(expires_at) > now).then_some(ceremony))
}

/// Drops ceremonies nobody finished.
pub fn purge_expired(conn: &mut DbConn, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(ac::table.filter(ac::expires_at.le(to_db(now)))).execute(conn)
}
