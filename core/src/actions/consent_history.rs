//! A patient's consent history as the app lists it: each consent with the provider it is
//! for.

use super::active_patient;
use crate::db::consents::{self, SharingConsent};
use crate::db::providers::{self, Provider};
use crate::db::DbConn;
use crate::error::CoreResult;
use crate::ids::PatientId;

/// A consent row with the provider it is for.
#[derive(Debug, Clone)]
pub struct ConsentView {
    pub consent: SharingConsent,
    pub provider: Option<Provider>,
}

/// A changed consent with its provider's names, as the history shows it.
pub fn with_provider(conn: &mut DbConn, consent: SharingConsent) -> CoreResult<ConsentView> {
    let provider = providers::find(conn, &consent.provider_id)?;
    Ok(ConsentView { consent, provider })
}

/// The patient's whole consent history (deemed HA/DH included), newest first.
pub fn consent_history(conn: &mut DbConn, patient_id: &PatientId) -> CoreResult<Vec<ConsentView>> {
    let patient = active_patient(conn, patient_id)?;
    Ok(consents::history_with_providers(conn, &patient.id)?
        .into_iter()
        .map(|(consent, provider)| ConsentView { consent, provider })
        .collect())
}
