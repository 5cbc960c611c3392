//! The app's notification inbox (written when a notice is enqueued, read newest first by
//! the app) and whether the patient has push devices.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{app_devices, notifications};
use super::{new_id, to_db, DbConn};
use crate::domain::NotificationKind;
use crate::ids::PatientId;

pub fn add(
    conn: &mut DbConn,
    patient_id: &PatientId,
    kind: NotificationKind,
    payload: &serde_json::Value,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(notifications::table)
        .values((
            notifications::id.eq(new_id()),
            notifications::patient_id.eq(patient_id),
            notifications::kind.eq(kind),
            notifications::payload.eq(payload.to_string()),
            notifications::created_at.eq(to_db(at)),
        ))
        .execute(conn)
        .map(drop)
}

pub fn count_for_patient(conn: &mut DbConn, patient_id: &PatientId) -> QueryResult<i64> {
    notifications::table
        .filter(notifications::patient_id.eq(patient_id))
        .count()
        .get_result(conn)
}

pub fn has_devices(conn: &mut DbConn, patient_id: &PatientId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        app_devices::table.filter(app_devices::patient_id.eq(patient_id)),
    ))
    .get_result(conn)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = notifications)]
pub struct InboxMessage {
    pub id: String,
    pub patient_id: PatientId,
    pub kind: NotificationKind,
    pub payload: String,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
}

pub fn for_patient(
    conn: &mut DbConn,
    patient_id: &PatientId,
    limit: i64,
) -> QueryResult<Vec<InboxMessage>> {
    notifications::table
        .filter(notifications::patient_id.eq(patient_id))
        .order((notifications::created_at.desc(), notifications::id.desc()))
        .limit(limit)
        .select(InboxMessage::as_select())
        .load(conn)
}
