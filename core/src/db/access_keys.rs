//! Access keys: one current key per patient, kept only as an Argon2id hash. Wrong tries
//! are counted on the key itself, so a new key starts clean.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::access_keys as ak;
use super::DbConn;
use crate::domain::AccessKeyChannel;
use crate::ids::PatientId;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = ak)]
// No column has a default: None is NULL, and the rows can be COPYed (`ehealth bench seed`).
#[diesel(treat_none_as_default_value = false)]
pub struct AccessKeyRecord {
    pub id: String,
    pub patient_id: PatientId,
    pub key_hash: String,
    pub issued_at: NaiveDateTime,
    pub issued_channel: AccessKeyChannel,
    pub revoked_at: Option<NaiveDateTime>,
    pub failed_attempts: i32,
    pub locked_at: Option<NaiveDateTime>,
}

pub fn current(conn: &mut DbConn, patient_id: &PatientId) -> QueryResult<Option<AccessKeyRecord>> {
    ak::table
        .filter(ak::patient_id.eq(patient_id))
        .filter(ak::revoked_at.is_null())
        .select(AccessKeyRecord::as_select())
        .first(conn)
        .optional()
}

/// Makes `record` the current key; the previous one stops working in the same statement
/// sequence (the caller's transaction).
pub fn replace(conn: &mut DbConn, record: &AccessKeyRecord) -> QueryResult<()> {
    diesel::update(
        ak::table
            .filter(ak::patient_id.eq(&record.patient_id))
            .filter(ak::revoked_at.is_null()),
    )
    .set(ak::revoked_at.eq(Some(record.issued_at)))
    .execute(conn)?;
    diesel::insert_into(ak::table)
        .values(record)
        .execute(conn)
        .map(drop)
}

pub fn record_failure(
    conn: &mut DbConn,
    id: &str,
    failed_attempts: i32,
    locked_at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    diesel::update(ak::table.find(id))
        .set((
            ak::failed_attempts.eq(failed_attempts),
            ak::locked_at.eq(locked_at),
        ))
        .execute(conn)
}

pub fn reset_failures(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::update(ak::table.find(id).filter(ak::locked_at.is_null()))
        .set(ak::failed_attempts.eq(0))
        .execute(conn)
}
