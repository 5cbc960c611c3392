//! App devices registered for push (FCM registration tokens).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::app_devices as dev;
use super::{new_id, to_db, DbConn};
use crate::domain::DevicePlatform;
use crate::ids::PatientId;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = dev)]
pub struct AppDevice {
    pub id: String,
    pub patient_id: PatientId,
    pub fcm_token: String,
    pub platform: DevicePlatform,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

/// Registers a token for a patient; a token already known moves to this patient (a phone
/// changes hands) and is refreshed. Returns the device id.
pub fn register(
    conn: &mut DbConn,
    patient_id: &PatientId,
    fcm_token: &str,
    platform: DevicePlatform,
    now: DateTime<Utc>,
) -> QueryResult<String> {
    let existing: Option<String> = dev::table
        .filter(dev::fcm_token.eq(fcm_token))
        .select(dev::id)
        .first(conn)
        .optional()?;
    if let Some(id) = existing {
        diesel::update(dev::table.find(&id))
            .set((
                dev::patient_id.eq(patient_id),
                dev::platform.eq(platform),
                dev::last_seen_at.eq(to_db(now)),
            ))
            .execute(conn)?;
        return Ok(id);
    }
    let id = new_id();
    diesel::insert_into(dev::table)
        .values((
            dev::id.eq(&id),
            dev::patient_id.eq(patient_id),
            dev::fcm_token.eq(fcm_token),
            dev::platform.eq(platform),
            dev::created_at.eq(to_db(now)),
            dev::last_seen_at.eq(to_db(now)),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn for_patient(conn: &mut DbConn, patient_id: &PatientId) -> QueryResult<Vec<AppDevice>> {
    dev::table
        .filter(dev::patient_id.eq(patient_id))
        .order(dev::created_at)
        .select(AppDevice::as_select())
        .load(conn)
}

/// Removes a patient's device; false if it is not theirs (or does not exist).
pub fn remove(conn: &mut DbConn, patient_id: &PatientId, id: &str) -> QueryResult<bool> {
    let n =
        diesel::delete(dev::table.find(id).filter(dev::patient_id.eq(patient_id))).execute(conn)?;
    Ok(n == 1)
}

/// Drops a token FCM reported as unregistered.
pub fn remove_token(conn: &mut DbConn, fcm_token: &str) -> QueryResult<usize> {
    diesel::delete(dev::table.filter(dev::fcm_token.eq(fcm_token))).execute(conn)
}
