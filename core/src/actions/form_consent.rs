//! Sharing consent recorded from a signed consent form or a smart HKIC read at the
//! counter. Knowing an eHR number is not enough: the professional names the identity
//! document they checked (it must be the patient's), and for a form the scanned form's
//! document number and SHA-256, kept as evidence the Office can audit by provider. The
//! patient's confirmation says how to revoke if it was not them.

use crate::ErrorCode;
use chrono::{DateTime, Utc};

use super::accounts::Staff;
use super::consent::{self, ConsentRequest};
use super::counter_consent::{provider_of, PatientRef};
use crate::db::consents::SharingConsent;
use crate::db::form_consents::{self, FormConsent};
use crate::db::patients::{self, Patient};
use crate::db::schema::form_consents as fc;
use crate::db::{to_db, write_tx, DbConn};
use crate::domain::{ConsentChannel, ConsentType};
use crate::error::{CoreError, CoreResult};
use crate::ids::{EhrNumber, IdentityDocument, IdentityDocumentKind};

/// The reference to the scanned, signed form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedForm {
    pub number: String,
    /// Lower-case hex SHA-256 of the scanned file.
    pub sha256: String,
}

impl ScannedForm {
    pub fn parse(number: &str, sha256: &str) -> CoreResult<Self> {
        let number = number.trim();
        let printable = number.bytes().all(|b| b.is_ascii_graphic());
        if number.is_empty() || number.len() > 64 || !printable {
            return Err(CoreError::invalid(
                "form.document_number",
                "1 to 64 printable characters, no spaces",
            ));
        }
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(CoreError::invalid(
                "form.sha256",
                "the SHA-256 of the scanned form: 64 hexadecimal characters",
            ));
        }
        Ok(Self {
            number: number.to_owned(),
            sha256: sha256.to_ascii_lowercase(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct FormConsentRequest {
    /// The patient, if named by eHR number; the document must then be theirs.
    pub ehr_number: Option<EhrNumber>,
    pub document: IdentityDocument,
    pub form: Option<ScannedForm>,
    pub channel: ConsentChannel,
    pub consent_type: ConsentType,
}

fn check_evidence(req: &FormConsentRequest) -> CoreResult<()> {
    match req.channel {
        ConsentChannel::Form if req.form.is_none() => Err(CoreError::invalid(
            "form",
            "a signed-form consent needs the scanned form's document_number and sha256",
        )),
        ConsentChannel::Form => Ok(()),
        ConsentChannel::SmartHkic if req.document.kind() != IdentityDocumentKind::Hkic => Err(
            CoreError::invalid("id_document", "a smart HKIC read gives an HKIC document"),
        ),
        ConsentChannel::SmartHkic => Ok(()),
        _ => Err(CoreError::invalid("channel", "must be form or smart_hkic")),
    }
}

/// The patient named, who must hold the document checked.
fn patient_checked(conn: &mut DbConn, req: &FormConsentRequest) -> CoreResult<Patient> {
    let who = match &req.ehr_number {
        Some(e) => PatientRef::Ehr(e.clone()),
        None => PatientRef::Document(req.document.clone()),
    };
    let patient =
        super::counter_consent::find_patient(conn, &who)?.ok_or(CoreError::NotFound("patient"))?;
    if patient.id_doc_key != req.document.key() {
        return Err(CoreError::refused(
            ErrorCode::IdDocumentMismatch,
            "the identity document checked is not this patient's",
        ));
    }
    Ok(patient)
}

/// Records the consent and its evidence in one transaction. A form already recorded at
/// this provider (a resubmission, or the same request twice at once) is refused.
pub fn record(
    conn: &mut DbConn,
    staff: &Staff,
    req: &FormConsentRequest,
    now: DateTime<Utc>,
) -> CoreResult<SharingConsent> {
    check_evidence(req)?;
    let provider = provider_of(staff)?;
    write_tx(conn, |conn| {
        let patient = patient_checked(conn, req)?;
        // Serialises requests for this patient, so the form check below sees any twin.
        patients::lock(conn, &patient.id)?;
        if let Some(form) = &req.form {
            form_already_recorded(conn, provider.as_str(), &form.sha256)?;
        }
        let request = ConsentRequest {
            patient_id: patient.id.clone(),
            provider_id: provider.clone(),
            consent_type: req.consent_type,
            channel: req.channel,
            actor: staff.actor(),
        };
        let consent = consent::give_in_tx(conn, &request, now)?;
        let evidence = FormConsent {
            consent_id: consent.id.clone(),
            patient_id: patient.id.clone(),
            provider_id: provider.as_str().to_owned(),
            account_id: staff.account.id.clone(),
            channel: req.channel,
            id_document_type: req.document.kind(),
            form_number: req.form.as_ref().map(|f| f.number.clone()),
            form_sha256: req.form.as_ref().map(|f| f.sha256.clone()),
            recorded_at: to_db(now),
        };
        form_consents::insert(conn, &evidence)?;
        Ok(consent)
    })
}

fn form_already_recorded(conn: &mut DbConn, provider_id: &str, sha256: &str) -> CoreResult<()> {
    use diesel::prelude::*;
    let seen: i64 = fc::table
        .filter(fc::provider_id.eq(provider_id))
        .filter(fc::form_sha256.eq(sha256))
        .count()
        .get_result(conn)?;
    if seen > 0 {
        return Err(CoreError::conflict(
            ErrorCode::FormAlreadyRecorded,
            "this scanned form has already been recorded at this provider",
        ));
    }
    Ok(())
}
