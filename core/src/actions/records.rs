//! Providers share records of the eleven data types: one JSON document per record, a FHIR
//! R4 resource where one fits. A document that names a FHIR resource type must name one
//! that fits its data type.

use crate::ErrorCode;
use chrono::{DateTime, Utc};
use serde_json::json;

use super::accounts::Staff;
use super::active_patient;
use crate::db::audit::{self, NewAuditEntry};
use crate::db::records::{self, SharedRecord};
use crate::db::{episodes, new_id, patients, to_db, write_tx, DbConn};
use crate::domain::{AuditAction, AuditOutcome, DataType};
use crate::error::{CoreError, CoreResult};
use crate::ids::EhrNumber;

/// Largest document kept, in bytes of JSON.
pub const MAX_DOCUMENT_BYTES: usize = 48 * 1024;

/// The FHIR R4 resource types that fit each data type.
pub fn fhir_types(data_type: DataType) -> &'static [&'static str] {
    match data_type {
        DataType::Demographics => &["Patient"],
        DataType::Encounters => &["Encounter", "Appointment"],
        DataType::LabRadiologyReports => &["DiagnosticReport", "Observation", "ImagingStudy"],
        DataType::ObservationsLifestyle => &["Observation"],
        DataType::AllergiesAdrs => &["AllergyIntolerance", "AdverseEvent"],
        DataType::ClinicalNotes => &["Composition", "DocumentReference"],
        DataType::OtherInvestigations => &["DiagnosticReport", "Observation"],
        DataType::MedicalCertificates => &["DocumentReference"],
        DataType::DiagnosisProceduresMedication => &[
            "Condition",
            "Procedure",
            "MedicationStatement",
            "MedicationRequest",
            "MedicationDispense",
        ],
        DataType::BirthImmunisation => &["Immunization", "Observation"],
        DataType::Referrals => &["ServiceRequest"],
    }
}

pub fn validate_document(data_type: DataType, document: &serde_json::Value) -> CoreResult<()> {
    let Some(object) = document.as_object() else {
        return Err(CoreError::invalid("document", "must be a JSON object"));
    };
    if document.to_string().len() > MAX_DOCUMENT_BYTES {
        return Err(CoreError::invalid(
            "document",
            format!("must be at most {MAX_DOCUMENT_BYTES} bytes"),
        ));
    }
    match object.get("resourceType") {
        None => Ok(()),
        Some(serde_json::Value::String(t)) if fhir_types(data_type).contains(&t.as_str()) => Ok(()),
        Some(_) => Err(CoreError::invalid(
            "document",
            format!(
                "resourceType must be one of {} for {data_type}",
                fhir_types(data_type).join(", ")
            ),
        )),
    }
}

/// Shares a record of a registered patient from the professional's provider.
pub fn share(
    conn: &mut DbConn,
    staff: &Staff,
    ehr: &EhrNumber,
    data_type: DataType,
    document: &serde_json::Value,
    now: DateTime<Utc>,
) -> CoreResult<SharedRecord> {
    validate_document(data_type, document)?;
    let provider_id = staff
        .provider_id()
        .ok_or_else(|| {
            CoreError::refused(
                ErrorCode::WrongRole,
                "only a provider's account can share records",
            )
        })?
        .to_owned();
    write_tx(conn, |conn| {
        let patient = patients::find_by_ehr_number(conn, ehr.as_str())?
            .ok_or(CoreError::NotFound("patient"))?;
        let patient = active_patient(conn, &patient.id)?;
        let record = SharedRecord {
            id: new_id(),
            patient_id: patient.id.clone(),
            provider_id: provider_id.clone(),
            data_type,
            document: document.to_string(),
            shared_by: Some(staff.account.id.clone()),
            created_at: to_db(now),
        };
        records::insert(conn, &record)?;
        let mut entry = NewAuditEntry::new(
            AuditAction::RecordShared,
            staff.actor(),
            AuditOutcome::Succeeded,
        )
        .patient(&patient.id)
        .provider(&provider_id)
        .details(json!({ "record_id": record.id }));
        entry.data_types = vec![data_type];
        audit::append(conn, &entry, now)?;
        Ok(record)
    })
}

/// Opens a care episode for a registered patient at the professional's provider: the
/// patient-under-care purpose of later record views.
pub fn open_episode(
    conn: &mut DbConn,
    staff: &Staff,
    ehr: &EhrNumber,
    now: DateTime<Utc>,
) -> CoreResult<episodes::CareEpisode> {
    let provider_id = staff
        .provider_id()
        .ok_or_else(|| {
            CoreError::refused(
                ErrorCode::WrongRole,
                "only a provider's account can open care episodes",
            )
        })?
        .to_owned();
    write_tx(conn, |conn| {
        let patient = patients::find_by_ehr_number(conn, ehr.as_str())?
            .ok_or(CoreError::NotFound("patient"))?;
        let patient = active_patient(conn, &patient.id)?;
        let episode = episodes::CareEpisode {
            id: new_id(),
            patient_id: patient.id,
            provider_id,
            opened_by: Some(staff.account.id.clone()),
            started_at: to_db(now),
            ended_at: None,
        };
        episodes::insert(conn, &episode)?;
        Ok(episode)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_must_be_objects_and_fhir_types_must_fit_the_data_type() {
        assert!(validate_document(
            DataType::AllergiesAdrs,
            &json!({"resourceType": "AllergyIntolerance"})
        )
        .is_ok());
        assert!(validate_document(DataType::AllergiesAdrs, &json!({"text": "plain JSON"})).is_ok());
        let wrong = validate_document(
            DataType::AllergiesAdrs,
            &json!({"resourceType": "Immunization"}),
        );
        assert_eq!(wrong.expect_err("misfit").field(), Some("document"));
        assert!(validate_document(DataType::Referrals, &json!([1, 2])).is_err());
        assert!(validate_document(DataType::Referrals, &json!({"resourceType": 7})).is_err());
        let big = json!({ "text": "x".repeat(MAX_DOCUMENT_BYTES) });
        assert!(validate_document(DataType::ClinicalNotes, &big).is_err());
        assert!(DataType::ALL.iter().all(|t| !fhir_types(*t).is_empty()));
    }
}
