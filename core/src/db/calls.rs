//! Voice-line calls, kept by Twilio's CallSid so that any ivr instance can answer any step
//! of a call, and a retried webhook gets the answer already given.

use crate::ids::PatientId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::voice_calls as vc;
use super::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = vc, primary_key(call_sid), treat_none_as_null = true)]
pub struct VoiceCall {
    pub call_sid: String,
    pub from_number: String,
    /// The `<Say>` language chosen (`zh-HK`, `en-GB`, `cmn-CN`); none before the menu.
    pub language: Option<String>,
    pub step: String,
    /// The step's working data (typed numbers, chosen provider...), as JSON.
    pub state: String,
    /// Set once the caller has proved who they are.
    pub patient_id: Option<PatientId>,
    pub retries: i32,
    pub last_request_digest: Option<String>,
    pub last_response: Option<String>,
    pub call_status: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
}

pub fn find(conn: &mut DbConn, call_sid: &str) -> QueryResult<Option<VoiceCall>> {
    vc::table
        .find(call_sid)
        .select(VoiceCall::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, call: &VoiceCall) -> QueryResult<()> {
    diesel::insert_into(vc::table)
        .values(call)
        .execute(conn)
        .map(drop)
}

/// Takes the call's row lock until the transaction ends (inserting `fresh` first if the
/// call is new) and reads the row. Every webhook of a call is answered under this lock,
/// so copies of one webhook arriving at once, at one instance or several, are answered
/// one after the other: the first does the step, the others find its answer stored.
/// SQLite's write transactions are serial already; the lock matters on PostgreSQL.
pub fn lock_or_insert(conn: &mut DbConn, fresh: &VoiceCall) -> QueryResult<VoiceCall> {
    let sid = fresh.call_sid.as_str();
    if touch(conn, sid)? == 0 {
        let insert = diesel::insert_into(vc::table)
            .values(fresh)
            .on_conflict(vc::call_sid)
            .do_nothing();
        super::insert_or_ignore(conn, insert)?;
        // A concurrent first webhook may have made the row: wait for its lock.
        touch(conn, sid)?;
    }
    find(conn, sid)?.ok_or(diesel::result::Error::NotFound)
}

/// A no-op update: it takes the row lock on PostgreSQL (and the write lock on SQLite).
fn touch(conn: &mut DbConn, call_sid: &str) -> QueryResult<usize> {
    diesel::update(vc::table.find(call_sid))
        .set(vc::call_sid.eq(vc::call_sid))
        .execute(conn)
}

/// Writes the call back. Refused (0 rows) if another request moved the call on since it
/// was read (`updated_at` is the version), so two instances never both advance a step.
pub fn save(conn: &mut DbConn, call: &VoiceCall, read_at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        vc::table
            .find(&call.call_sid)
            .filter(vc::updated_at.eq(read_at)),
    )
    .set(call)
    .execute(conn)
}

/// Records Twilio's call status (`completed`, `busy`, `no-answer`...).
pub fn set_status(
    conn: &mut DbConn,
    call_sid: &str,
    status: &str,
    ended_at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    diesel::update(vc::table.find(call_sid))
        .set((vc::call_status.eq(status), vc::ended_at.eq(ended_at)))
        .execute(conn)
}
