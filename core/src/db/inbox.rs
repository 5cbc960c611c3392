//! The app's notification inbox and push devices, as far as enqueueing needs them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::{app_devices, notifications};
use super::{new_id, to_db, DbConn};

pub fn add(
    conn: &mut DbConn,
    patient_id: &str,
    kind: &str,
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

pub fn count_for_patient(conn: &mut DbConn, patient_id: &str) -> QueryResult<i64> {
    notifications::table
        .filter(notifications::patient_id.eq(patient_id))
        .count()
        .get_result(conn)
}

pub fn has_devices(conn: &mut DbConn, patient_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        app_devices::table.filter(app_devices::patient_id.eq(patient_id)),
    ))
    .get_result(conn)
}
