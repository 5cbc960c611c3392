//! What every `/v1/hcp` and `/v1/admin` handler shares: the account behind a bearer token
//! and the identity-document body (both in `http_common`, re-exported here), and the
//! shapes of a patient reference.

use ehealth_core::actions::counter_consent::PatientRef;
use ehealth_core::db::accounts::Account;
use ehealth_core::ids::EhrNumber;
use ehealth_core::{CoreError, CoreResult};
use serde_json::{json, Value};

pub use http_common::body::IdDocumentBody;
pub use http_common::staff::AccountSession;

/// The patient by eHR number or identity document (exactly one).
pub fn patient_ref(ehr: Option<&str>, doc: Option<&IdDocumentBody>) -> CoreResult<PatientRef> {
    match (ehr, doc) {
        (Some(e), None) => Ok(PatientRef::Ehr(EhrNumber::parse(e)?)),
        (None, Some(d)) => Ok(PatientRef::Document(d.parse()?)),
        _ => Err(CoreError::invalid(
            "ehr_number",
            "give the eHR number or the identity document (one of them)",
        )),
    }
}

pub fn account_json(a: &Account) -> Value {
    json!({
        "id": a.id,
        "provider_id": a.provider_id,
        "role": a.role,
        "username": a.username,
        "display_name": a.display_name,
        "profession": a.profession,
        "registration_number": a.registration_number,
        "status": a.status,
        "totp_enabled": a.totp_enabled,
    })
}
