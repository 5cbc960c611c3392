//! Use cases: each is one write transaction that changes state, appends to the audit log
//! and enqueues the patient's notifications together, so none is left without the others.

pub mod access_key;
pub mod accounts;
pub mod approval_request;
pub mod audit_verify;
pub mod consent;
pub mod counter_consent;
pub mod counter_registration;
pub mod dead_jobs;
pub mod demo;
pub mod fhir;
pub mod form_consent;
pub mod ivr;
pub mod ivr_code;
pub mod ivr_refusals;
pub mod ivr_sdm;
mod ivr_throttle;
pub mod log_proofs;
pub mod notify;
pub mod patient_lookup;
pub mod provider_lifecycle;
pub mod record_view;
pub mod records;
pub mod registration;
pub mod reminders;
pub mod retention;
pub mod sdm_links;
pub mod sequencer;
pub mod staff_sign_in;
pub mod throttle;
// issue 3 (patient app)
pub mod app_acts;
pub mod application;
pub mod approval_decision;
pub mod code_cover;
pub mod code_requests;
pub mod codes;
pub mod identity_verification;
pub mod passkeys;
pub mod preferences;
pub mod sdm_application;
pub mod sign_in;
pub mod withdrawal;
// issue 16 (providers as the booklet describes them)
pub mod activation;
pub mod document_expiry;
pub mod provider_applications;
pub mod provider_changes;
pub mod provider_notices;
pub mod provider_review;
pub mod registration_reminders;

use crate::db::{patients, patients::Patient, DbConn};
use crate::domain::PatientStatus;
use crate::error::{CoreError, CoreResult};
use crate::ErrorCode;

/// A registered patient who has not withdrawn, or the reason they cannot act.
pub(crate) fn active_patient(conn: &mut DbConn, patient_id: &str) -> CoreResult<Patient> {
    let patient = patients::find(conn, patient_id)?.ok_or(CoreError::NotFound("patient"))?;
    match patient.status()? {
        PatientStatus::Registered => Ok(patient),
        PatientStatus::Withdrawn => Err(CoreError::refused(
            ErrorCode::PatientWithdrawn,
            "this participant has withdrawn from eHealth",
        )),
    }
}
