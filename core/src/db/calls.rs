//! Voice-line calls, kept by Twilio's CallSid so that any ivr instance can answer any step
//! of a call, and a retried webhook gets the answer already given.

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
    pub patient_id: Option<String>,
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
