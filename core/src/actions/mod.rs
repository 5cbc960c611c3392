//! Use cases: each is one write transaction that changes state, appends to the audit log
//! and enqueues the patient's notifications together, so none is left without the others.

pub mod access_key;
pub mod consent;
pub mod demo;
pub mod notify;
pub mod registration;

use crate::db::{patients, patients::Patient, DbConn};
use crate::domain::PatientStatus;
use crate::error::{CoreError, CoreResult};

/// A registered patient who has not withdrawn, or the reason they cannot act.
pub(crate) fn active_patient(conn: &mut DbConn, patient_id: &str) -> CoreResult<Patient> {
    let patient = patients::find(conn, patient_id)?.ok_or(CoreError::NotFound("patient"))?;
    match patient.status()? {
        PatientStatus::Registered => Ok(patient),
        PatientStatus::Withdrawn => Err(CoreError::refused(
            "patient_withdrawn",
            "this participant has withdrawn from eHealth",
        )),
    }
}
