//! Reading the app's notification inbox, newest first.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::notifications as nt;
use super::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = nt)]
pub struct InboxMessage {
    pub id: String,
    pub patient_id: String,
    pub kind: String,
    pub payload: String,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
}

pub fn for_patient(
    conn: &mut DbConn,
    patient_id: &str,
    limit: i64,
) -> QueryResult<Vec<InboxMessage>> {
    nt::table
        .filter(nt::patient_id.eq(patient_id))
        .order((nt::created_at.desc(), nt::id.desc()))
        .limit(limit)
        .select(InboxMessage::as_select())
        .load(conn)
}
