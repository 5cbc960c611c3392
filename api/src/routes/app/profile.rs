//! What the profile handlers share: the patient's profile as the app shows it.

use ehealth_core::db::patients::Patient;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Profile {
    pub ehr_number: String,
    pub name_en: String,
    pub name_zh: Option<String>,
    pub date_of_birth: String,
    pub mobile: String,
    pub email: Option<String>,
    pub postal_address: Option<String>,
    pub language: String,
    pub notification_means: Vec<String>,
    pub status: String,
    /// Contact details waiting for the code sent to them (after a change).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pending_verification: Vec<String>,
}

pub(super) fn profile(p: &Patient, pending: &[&str]) -> Profile {
    Profile {
        ehr_number: p.ehr_number.clone(),
        name_en: p.name_en.clone(),
        name_zh: p.name_zh.clone(),
        date_of_birth: p.date_of_birth.to_string(),
        mobile: p.mobile.clone(),
        email: p.email.clone(),
        postal_address: p.postal_address.clone(),
        language: p.language.as_str().to_owned(),
        notification_means: p
            .notification_means()
            .iter()
            .map(|m| m.as_str().to_owned())
            .collect(),
        status: p.status.as_str().to_owned(),
        pending_verification: pending.iter().map(|s| (*s).to_owned()).collect(),
    }
}
