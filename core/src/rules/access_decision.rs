//! The one place that decides whether a healthcare professional may view a patient's
//! record (SPEC §3, "Access to a patient's record"). The conditions are checked in the
//! order of the spec and the first that fails is the reason given.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};

use super::{consent_in_force, registration_valid};
use crate::domain::{AccountStatus, ConsentStatus, DataType, PatientStatus, ProviderStatus};
use crate::error_code::ErrorCode;

/// What the HCProf stated as the purpose of the access (patient-under-care, need-to-know).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    None,
    /// A care episode; `open_at_provider` is whether it is open at this provider for this
    /// patient.
    CareEpisode {
        open_at_provider: bool,
    },
    Reason(String),
}

impl Purpose {
    fn is_stated(&self) -> bool {
        match self {
            Purpose::None => false,
            Purpose::CareEpisode { open_at_provider } => *open_at_provider,
            Purpose::Reason(r) => !r.trim().is_empty(),
        }
    }

    fn has_reason(&self) -> bool {
        matches!(self, Purpose::Reason(r) if !r.trim().is_empty())
    }
}

/// Everything the decision depends on, gathered by the caller in one transaction.
#[derive(Debug, Clone)]
pub struct AccessFacts<'a> {
    pub now: DateTime<Utc>,
    /// `None`: no such registered patient.
    pub patient: Option<PatientStatus>,
    pub provider_status: ProviderStatus,
    /// HA or DH: deemed consent, and not "in the community".
    pub provider_is_public_body: bool,
    pub account_status: AccountStatus,
    pub account_at_provider: bool,
    /// The last day (Hong Kong) of the professional's registration, if recorded.
    pub registration_expires_on: Option<NaiveDate>,
    /// The current consent of this patient for this provider, if any.
    pub consent: Option<(ConsentStatus, Option<DateTime<Utc>>)>,
    pub purpose: Purpose,
    pub requested: &'a [DataType],
    /// The profession's row of the access matrix.
    pub matrix_row: &'a BTreeSet<DataType>,
    /// Data types under restricted control.
    pub restricted: &'a BTreeSet<DataType>,
    /// Restricted types the patient has approved for this provider.
    pub approved: &'a BTreeSet<DataType>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    PatientNotRegistered,
    PatientWithdrawn,
    ProviderNotRegistered(ProviderStatus),
    AccountNotActive,
    AccountNotAtProvider,
    /// The professional's registration has expired (SPEC §3: an HCProf acts only while
    /// their registration is valid).
    RegistrationExpired,
    NoSharingConsent,
    NoPurpose,
    NoDataTypesRequested,
    NotPermittedForProfession,
    RestrictedNeedsReason,
    RestrictedNeedsPatientApproval,
}

impl Refusal {
    /// Stable code, kept in the audit log and sent to the client.
    pub fn code(self) -> &'static str {
        self.error_code().as_str()
    }

    /// The code as the closed set of error codes has it.
    pub fn error_code(self) -> ErrorCode {
        match self {
            Self::PatientNotRegistered => ErrorCode::PatientNotRegistered,
            Self::PatientWithdrawn => ErrorCode::PatientWithdrawn,
            Self::ProviderNotRegistered(_) => ErrorCode::ProviderNotRegistered,
            Self::AccountNotActive => ErrorCode::AccountNotActive,
            Self::AccountNotAtProvider => ErrorCode::AccountNotAtProvider,
            Self::RegistrationExpired => ErrorCode::ProfessionalRegistrationExpired,
            Self::NoSharingConsent => ErrorCode::NoSharingConsent,
            Self::NoPurpose => ErrorCode::PurposeRequired,
            Self::NoDataTypesRequested => ErrorCode::NoDataTypesRequested,
            Self::NotPermittedForProfession => ErrorCode::NotPermittedForProfession,
            Self::RestrictedNeedsReason => ErrorCode::RestrictedNeedsReason,
            Self::RestrictedNeedsPatientApproval => ErrorCode::RestrictedNeedsPatientApproval,
        }
    }
}

/// A requested type that was not given, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Withheld {
    pub data_type: DataType,
    pub reason: Refusal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessDecision {
    Granted {
        data_types: Vec<DataType>,
        withheld: Vec<Withheld>,
    },
    Refused(Refusal),
}

pub fn decide(f: &AccessFacts<'_>) -> AccessDecision {
    match gate(f) {
        Err(refusal) => AccessDecision::Refused(refusal),
        Ok(()) => filter_types(f),
    }
}

/// Conditions 1 to 5: all or nothing.
fn gate(f: &AccessFacts<'_>) -> Result<(), Refusal> {
    match f.patient {
        None => return Err(Refusal::PatientNotRegistered),
        Some(PatientStatus::Withdrawn) => return Err(Refusal::PatientWithdrawn),
        Some(PatientStatus::Registered) => {}
    }
    if f.provider_status != ProviderStatus::Registered {
        return Err(Refusal::ProviderNotRegistered(f.provider_status));
    }
    if !f.account_at_provider {
        return Err(Refusal::AccountNotAtProvider);
    }
    if f.account_status != AccountStatus::Active {
        return Err(Refusal::AccountNotActive);
    }
    if !registration_valid(f.registration_expires_on, f.now) {
        return Err(Refusal::RegistrationExpired);
    }
    let consented = f.provider_is_public_body
        || f.consent
            .is_some_and(|(status, expires)| consent_in_force(status, expires, f.now));
    if !consented {
        return Err(Refusal::NoSharingConsent);
    }
    if !f.purpose.is_stated() {
        return Err(Refusal::NoPurpose);
    }
    if f.requested.is_empty() {
        return Err(Refusal::NoDataTypesRequested);
    }
    Ok(())
}

/// Conditions 6 and 7: per data type. Granted if at least one type survives.
fn filter_types(f: &AccessFacts<'_>) -> AccessDecision {
    let mut granted = Vec::new();
    let mut withheld = Vec::new();
    let requested: BTreeSet<DataType> = f.requested.iter().copied().collect();
    for &data_type in &requested {
        match type_refusal(f, data_type) {
            None => granted.push(data_type),
            Some(reason) => withheld.push(Withheld { data_type, reason }),
        }
    }
    match withheld.first() {
        Some(first) if granted.is_empty() => AccessDecision::Refused(first.reason),
        _ => AccessDecision::Granted {
            data_types: granted,
            withheld,
        },
    }
}

fn type_refusal(f: &AccessFacts<'_>, data_type: DataType) -> Option<Refusal> {
    if !f.matrix_row.contains(&data_type) {
        return Some(Refusal::NotPermittedForProfession);
    }
    if !f.restricted.contains(&data_type) {
        return None;
    }
    if !f.purpose.has_reason() {
        return Some(Refusal::RestrictedNeedsReason);
    }
    if !f.provider_is_public_body && !f.approved.contains(&data_type) {
        return Some(Refusal::RestrictedNeedsPatientApproval);
    }
    None
}

#[cfg(test)]
mod tests;
