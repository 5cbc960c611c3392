//! Use cases: each is one write transaction that changes state, appends to the audit log
//! and enqueues the patient's notifications together, so none is left without the others.

pub mod access_key;
pub mod access_records;
pub mod accounts;
pub mod activation;
pub mod application;
pub mod approval_decision;
pub mod approval_request;
pub mod audit_verify;
pub mod code_cover;
pub mod code_requests;
pub mod codes;
pub mod consent;
pub mod consent_history;
pub mod counter_consent;
pub mod counter_registration;
pub mod dead_jobs;
pub mod demo;
pub mod devices;
pub mod document_expiry;
pub mod fhir;
pub mod form_consent;
pub mod identity_verification;
pub mod ivr;
pub mod ivr_code;
pub mod ivr_refusals;
pub mod ivr_sdm;
mod ivr_throttle;
pub mod log_proofs;
pub mod notify;
pub mod passkeys;
pub mod patient_lookup;
pub mod preferences;
pub mod provider_applications;
pub mod provider_changes;
pub mod provider_lifecycle;
pub mod provider_notices;
pub mod provider_review;
pub mod record_view;
pub mod records;
pub mod registration;
pub mod registration_reminders;
pub mod reminders;
pub mod retention;
pub mod sdm_application;
pub mod sdm_links;
pub mod sequencer;
pub mod sign_in;
pub mod staff_sign_in;
pub mod throttle;
pub mod withdrawal;

use crate::db::{patients, patients::Patient, DbConn};
use crate::domain::PatientStatus;
use crate::error::{CoreError, CoreResult};
use crate::ids::PatientId;
use crate::ErrorCode;

/// A registered patient who has not withdrawn, or the reason they cannot act.
pub fn active_patient(conn: &mut DbConn, patient_id: &PatientId) -> CoreResult<Patient> {
    registered(patients::find(conn, patient_id)?)
}

/// As `active_patient`, with the patient's row lock taken for the rest of the write
/// transaction (`patients::find_locked`): changes to one patient's consents or keys run
/// one at a time.
pub fn lock_active_patient(conn: &mut DbConn, patient_id: &PatientId) -> CoreResult<Patient> {
    registered(patients::find_locked(conn, patient_id)?)
}

fn registered(patient: Option<Patient>) -> CoreResult<Patient> {
    let patient = patient.ok_or(CoreError::NotFound("patient"))?;
    match patient.status {
        PatientStatus::Registered => Ok(patient),
        PatientStatus::Withdrawn => Err(CoreError::refused(
            ErrorCode::PatientWithdrawn,
            "this participant has withdrawn from eHealth",
        )),
    }
}
