//! What withdrawal from eHealth stops, beyond consents and sessions.

use crate::ids::PatientId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::access_keys as ak;
use super::DbConn;

/// The current access key stops working.
pub fn revoke_access_keys(
    conn: &mut DbConn,
    patient_id: &PatientId,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        ak::table
            .filter(ak::patient_id.eq(patient_id))
            .filter(ak::revoked_at.is_null()),
    )
    .set(ak::revoked_at.eq(Some(at)))
    .execute(conn)
}
