//! The patient app's small acts over existing use cases: who the patient is, their
//! consents with provider names, a new access key, devices.

use chrono::{DateTime, Utc};

use super::{access_key, active_patient};
use crate::db::consents::{self, SharingConsent};
use crate::db::patients::Patient;
use crate::db::providers::{self, Provider};
use crate::db::{devices, write_tx, DbConn};
use crate::domain::Actor;
use crate::error::{CoreError, CoreResult};
use crate::ids::AccessKey;
use crate::secret::SecretHasher;

/// The signed-in (or acted-for) patient, if still registered.
pub fn patient(conn: &mut DbConn, patient_id: &str) -> CoreResult<Patient> {
    active_patient(conn, patient_id)
}

/// A consent row with the provider it is for.
#[derive(Debug, Clone)]
pub struct ConsentView {
    pub consent: SharingConsent,
    pub provider: Option<Provider>,
}

/// The patient's whole consent history (deemed HA/DH included), newest first.
pub fn consent_history(conn: &mut DbConn, patient_id: &str) -> CoreResult<Vec<ConsentView>> {
    let patient = active_patient(conn, patient_id)?;
    let rows = consents::history(conn, &patient.id)?;
    let mut names = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for consent in rows {
        if !names.contains_key(&consent.provider_id) {
            let p = providers::find(conn, &consent.provider_id)?;
            names.insert(consent.provider_id.clone(), p);
        }
        let provider = names.get(&consent.provider_id).cloned().flatten();
        out.push(ConsentView { consent, provider });
    }
    Ok(out)
}

/// A new access key from the app: the old one stops working at once; the new one is
/// returned once and sent by the selected means.
pub fn new_access_key(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    patient_id: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> CoreResult<AccessKey> {
    write_tx(conn, |conn| {
        let patient = active_patient(conn, patient_id)?;
        access_key::issue(conn, hasher, &patient, "app", actor, now)
    })
}

pub fn add_device(
    conn: &mut DbConn,
    patient_id: &str,
    fcm_token: &str,
    platform: &str,
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

pub fn remove_device(conn: &mut DbConn, patient_id: &str, device_id: &str) -> CoreResult<()> {
    write_tx(conn, |conn| {
        if devices::remove(conn, patient_id, device_id)? {
            Ok(())
        } else {
            Err(CoreError::NotFound("device"))
        }
    })
}
