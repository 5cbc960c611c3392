//! The facts each kind of notification carries, as the notifier reads them. Field names
//! are the JSON keys under `facts` in a stored job (the wire format before the facts were
//! typed): a fact that a producer wrote as `null` stays an `Option` serialised as `null`;
//! a fact that only some producers write is skipped when absent.

use serde::{Deserialize, Serialize};

fn is_none<T>(value: &Option<T>) -> bool {
    value.is_none()
}

/// The provider a patient's message is about; the names are `null` when it is unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProviderNames {
    #[serde(default)]
    pub provider_id: Option<String>,
    #[serde(default)]
    pub provider_name_en: Option<String>,
    #[serde(default)]
    pub provider_name_zh: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegistrationFacts {
    pub ehr_number: String,
}

/// A consent given (or, with fewer facts, revoked or expiring).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsentGivenFacts {
    pub consent_id: String,
    #[serde(flatten)]
    pub provider: ProviderNames,
    #[serde(rename = "type")]
    pub consent_type: String,
    /// How it was recorded (`app`, `form`, `smart_hkic`, `ivr`...).
    pub channel: String,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub supersedes: Option<String>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub acted_by_sdm: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsentRevokedFacts {
    pub consent_id: String,
    #[serde(flatten)]
    pub provider: ProviderNames,
    pub channel: String,
    #[serde(default, skip_serializing_if = "is_none")]
    pub acted_by_sdm: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsentExpiringFacts {
    pub consent_id: String,
    #[serde(flatten)]
    pub provider: ProviderNames,
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// A new access key; `access_key` is sealed in the job until delivered, absent where a
/// secret must not go (push, the app inbox).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccessKeyIssuedFacts {
    #[serde(default, skip_serializing_if = "is_none")]
    pub access_key: Option<String>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub acted_by_sdm: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccessKeyLockedFacts {
    pub failed_attempts: i64,
    /// `ivr` when the voice line locked it.
    #[serde(default, skip_serializing_if = "is_none")]
    pub channel: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CodeLockedFacts {
    pub purpose: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApprovalRequestedFacts {
    pub approval_id: String,
    #[serde(flatten)]
    pub provider: ProviderNames,
}

/// An access to the record; `access_times` is written when accesses are folded into one
/// message (see the notifier's `folding`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecordAccessedFacts {
    pub audit_seq: i64,
    #[serde(flatten)]
    pub provider: ProviderNames,
    #[serde(default, skip_serializing_if = "is_none")]
    pub access_times: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WithdrawalFacts {
    pub consents_ended: usize,
    #[serde(default, skip_serializing_if = "is_none")]
    pub acted_by_sdm: Option<String>,
}

/// A one-time code, sealed in the job until delivered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VerificationCodeFacts {
    #[serde(default, skip_serializing_if = "is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub purpose: Option<String>,
    /// Where the voice line's code went, in jobs written before codes were one
    /// implementation: read for those, never written (the job's `destination` is).
    #[serde(default, rename = "destination", skip_serializing)]
    pub legacy_destination: Option<String>,
}

/// What a message to a provider or an applicant may tell (issue 16). One set for the
/// eight provider kinds: they share a renderer and most facts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProviderFacts {
    #[serde(flatten)]
    pub provider: ProviderNames,
    #[serde(skip_serializing_if = "is_none")]
    pub reference: Option<String>,
    /// The applicant's or administrator's code, sealed until delivered; never by letter.
    #[serde(skip_serializing_if = "is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "is_none")]
    pub transition: Option<String>,
    #[serde(skip_serializing_if = "is_none")]
    pub effective_on: Option<String>,
    #[serde(skip_serializing_if = "is_none")]
    pub received_on: Option<String>,
    /// A Hong Kong date; `expires_at` (an instant) where the event has one instead.
    #[serde(skip_serializing_if = "is_none")]
    pub expires_on: Option<String>,
    #[serde(skip_serializing_if = "is_none")]
    pub expires_at: Option<String>,
    #[serde(skip_serializing_if = "is_none")]
    pub document: Option<String>,
    #[serde(skip_serializing_if = "is_none")]
    pub document_number: Option<String>,
    #[serde(skip_serializing_if = "is_none")]
    pub registration_number: Option<String>,
    #[serde(skip_serializing_if = "is_none")]
    pub professional: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SdmLinkedFacts {
    pub sdm_name: String,
    pub relationship: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SdmActsForFacts {
    pub patient_name: String,
    pub ehr_number: String,
}

/// A link that ended (or a young person who came of age); the SDM's copy has no eHR
/// number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SdmLinkEndedFacts {
    pub sdm_name: String,
    pub patient_name: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "is_none")]
    pub ehr_number: Option<String>,
}
