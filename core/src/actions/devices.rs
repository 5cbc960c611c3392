//! The app devices a patient receives push notifications on.

use chrono::{DateTime, Utc};

use super::active_patient;
use crate::db::{devices, write_tx, DbConn};
use crate::domain::DevicePlatform;
use crate::error::{CoreError, CoreResult};
use crate::ids::PatientId;

/// Registers a device's FCM token for the (registered) patient; the device's id.
pub fn add_device(
    conn: &mut DbConn,
    patient_id: &PatientId,
    fcm_token: &str,
    platform: DevicePlatform,
    now: DateTime<Utc>,
) -> CoreResult<String> {
    write_tx(conn, |conn| {
        let patient = active_patient(conn, patient_id)?;
        Ok(devices::register(
            conn,
            &patient.id,
            fcm_token,
            platform,
            now,
        )?)
    })
}

/// Forgets one of the patient's devices; another patient's device is not found.
pub fn remove_device(conn: &mut DbConn, patient_id: &PatientId, device_id: &str) -> CoreResult<()> {
    write_tx(conn, |conn| {
        if devices::remove(conn, patient_id, device_id)? {
            Ok(())
        } else {
            Err(CoreError::NotFound("device"))
        }
    })
}
