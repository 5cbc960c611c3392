//! Patients' passkeys (WebAuthn credentials), stored as the JSON webauthn-rs gives, keyed
//! by credential id (base64url).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::passkeys as pk;
use super::schema::patients as pt;
use super::{to_db, DbConn};
use crate::domain::PatientStatus;
use crate::ids::PatientId;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = pk)]
pub struct PasskeyRecord {
    pub id: String,
    pub patient_id: PatientId,
    pub credential_id: String,
    pub passkey: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    /// JSON array of the transports reported at enrolment (`internal`, `hybrid`, ...).
    pub transports: Option<String>,
}

pub fn insert(conn: &mut DbConn, record: &PasskeyRecord) -> QueryResult<()> {
    diesel::insert_into(pk::table)
        .values(record)
        .execute(conn)
        .map(drop)
}

pub fn for_patient(conn: &mut DbConn, patient_id: &PatientId) -> QueryResult<Vec<PasskeyRecord>> {
    pk::table
        .filter(pk::patient_id.eq(patient_id))
        .order(pk::created_at)
        .select(PasskeyRecord::as_select())
        .load(conn)
}

/// The passkeys of the registered (not withdrawn) patient with this eHR number, in one
/// query whether or not there is such a patient, so that the sign-in start costs the same
/// for a patient with passkeys, one without and a number nobody has.
pub fn for_registered_ehr_number(
    conn: &mut DbConn,
    ehr_number: &str,
) -> QueryResult<Vec<PasskeyRecord>> {
    pk::table
        .inner_join(pt::table.on(pt::id.eq(pk::patient_id)))
        .filter(pt::ehr_number.eq(ehr_number))
        .filter(pt::status.eq(PatientStatus::Registered.as_str()))
        .order(pk::created_at)
        .select(PasskeyRecord::as_select())
        .load(conn)
}

pub fn find_by_credential(
    conn: &mut DbConn,
    credential_id: &str,
) -> QueryResult<Option<PasskeyRecord>> {
    pk::table
        .filter(pk::credential_id.eq(credential_id))
        .select(PasskeyRecord::as_select())
        .first(conn)
        .optional()
}

/// Stores the passkey back after a sign-in (its counter moves) and when it was used.
pub fn record_use(
    conn: &mut DbConn,
    id: &str,
    passkey: &str,
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(pk::table.find(id))
        .set((
            pk::passkey.eq(passkey),
            pk::last_used_at.eq(Some(to_db(at))),
        ))
        .execute(conn)
}
