//! The outbox contract between the producers in `core::actions` and the notifier: a job's
//! payload is a `Notification`, whose `Notice` names the kind and carries that kind's
//! typed facts. Serialised as it was stored before it was typed (`kind`, `facts` and the
//! addressee's fields side by side), so jobs queued by an older release still deliver.

use crate::ids::PatientId;
use serde::{Deserialize, Serialize};

pub use super::notice_facts::*;
use super::NotificationKind;

/// What a job tells, by kind. The tag is the kind's stable name (`NotificationKind`), the
/// job type in `notification_jobs`; renaming one strands the jobs queued under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "facts", rename_all = "snake_case")]
pub enum Notice {
    RegistrationCompleted(RegistrationFacts),
    ConsentGiven(ConsentGivenFacts),
    ConsentRevoked(ConsentRevokedFacts),
    ConsentExpiring(ConsentExpiringFacts),
    AccessKeyIssued(AccessKeyIssuedFacts),
    AccessKeyLocked(AccessKeyLockedFacts),
    CodeLocked(CodeLockedFacts),
    ApprovalRequested(ApprovalRequestedFacts),
    RecordAccessed(RecordAccessedFacts),
    Withdrawal(WithdrawalFacts),
    VerificationCode(VerificationCodeFacts),
    AppliedWhileRegistered {},
    ProviderStatusScheduled(ProviderFacts),
    ProviderStatusChanged(ProviderFacts),
    ProviderDocumentExpiring(ProviderFacts),
    #[serde(rename = "professional_registration_expiring")]
    RegistrationExpiring(ProviderFacts),
    ProviderApplicationReceived(ProviderFacts),
    ProviderApplicationMoreRequested(ProviderFacts),
    ProviderApplicationApproved(ProviderFacts),
    ProviderApplicationRefused(ProviderFacts),
    SdmLinked(SdmLinkedFacts),
    SdmActsFor(SdmActsForFacts),
    SdmLinkEnded(SdmLinkEndedFacts),
    CameOfAge(SdmLinkEndedFacts),
}

/// The text a secret is replaced with once its message is delivered.
pub const DELIVERED: &str = "[delivered]";

impl Notice {
    pub fn kind(&self) -> NotificationKind {
        use NotificationKind as K;
        match self {
            Self::RegistrationCompleted(_) => K::RegistrationCompleted,
            Self::ConsentGiven(_) => K::ConsentGiven,
            Self::ConsentRevoked(_) => K::ConsentRevoked,
            Self::ConsentExpiring(_) => K::ConsentExpiring,
            Self::AccessKeyIssued(_) => K::AccessKeyIssued,
            Self::AccessKeyLocked(_) => K::AccessKeyLocked,
            Self::CodeLocked(_) => K::CodeLocked,
            Self::ApprovalRequested(_) => K::ApprovalRequested,
            Self::RecordAccessed(_) => K::RecordAccessed,
            Self::Withdrawal(_) => K::Withdrawal,
            Self::VerificationCode(_) => K::VerificationCode,
            Self::AppliedWhileRegistered {} => K::AppliedWhileRegistered,
            Self::ProviderStatusScheduled(_) => K::ProviderStatusScheduled,
            Self::ProviderStatusChanged(_) => K::ProviderStatusChanged,
            Self::ProviderDocumentExpiring(_) => K::ProviderDocumentExpiring,
            Self::RegistrationExpiring(_) => K::RegistrationExpiring,
            Self::ProviderApplicationReceived(_) => K::ProviderApplicationReceived,
            Self::ProviderApplicationMoreRequested(_) => K::ProviderApplicationMoreRequested,
            Self::ProviderApplicationApproved(_) => K::ProviderApplicationApproved,
            Self::ProviderApplicationRefused(_) => K::ProviderApplicationRefused,
            Self::SdmLinked(_) => K::SdmLinked,
            Self::SdmActsFor(_) => K::SdmActsFor,
            Self::SdmLinkEnded(_) => K::SdmLinkEnded,
            Self::CameOfAge(_) => K::CameOfAge,
        }
    }

    /// The provider notice of `kind` with `facts`; None for a kind that is not about a
    /// provider or an applicant.
    pub fn to_provider(kind: NotificationKind, facts: ProviderFacts) -> Option<Self> {
        use NotificationKind as K;
        Some(match kind {
            K::ProviderStatusScheduled => Self::ProviderStatusScheduled(facts),
            K::ProviderStatusChanged => Self::ProviderStatusChanged(facts),
            K::ProviderDocumentExpiring => Self::ProviderDocumentExpiring(facts),
            K::RegistrationExpiring => Self::RegistrationExpiring(facts),
            K::ProviderApplicationReceived => Self::ProviderApplicationReceived(facts),
            K::ProviderApplicationMoreRequested => Self::ProviderApplicationMoreRequested(facts),
            K::ProviderApplicationApproved => Self::ProviderApplicationApproved(facts),
            K::ProviderApplicationRefused => Self::ProviderApplicationRefused(facts),
            _ => return None,
        })
    }

    /// A copy of the facts of a provider notice (the one list of provider notices is
    /// `provider_facts_mut`; a copy of a few short texts is cheaper to read than a second
    /// list of the eight kinds is to keep in step).
    pub fn provider_facts(&self) -> Option<ProviderFacts> {
        self.clone().provider_facts_mut().map(std::mem::take)
    }

    /// The facts of a provider notice, to change.
    fn provider_facts_mut(&mut self) -> Option<&mut ProviderFacts> {
        match self {
            Self::ProviderStatusScheduled(f)
            | Self::ProviderStatusChanged(f)
            | Self::ProviderDocumentExpiring(f)
            | Self::RegistrationExpiring(f)
            | Self::ProviderApplicationReceived(f)
            | Self::ProviderApplicationMoreRequested(f)
            | Self::ProviderApplicationApproved(f)
            | Self::ProviderApplicationRefused(f) => Some(f),
            _ => None,
        }
    }

    /// The one list of the secrets a notice may carry until it is delivered, by fact name
    /// (the name is part of the seal's associated data).
    pub fn secrets_mut(&mut self) -> Vec<(&'static str, &mut Option<String>)> {
        match self {
            Self::AccessKeyIssued(f) => vec![("access_key", &mut f.access_key)],
            Self::VerificationCode(f) => vec![("code", &mut f.code)],
            other => other
                .provider_facts_mut()
                .map(|f| vec![("code", &mut f.code)])
                .unwrap_or_default(),
        }
    }

    /// The notice with every secret removed: what a push, a letter or the app inbox gets.
    pub fn without_secrets(&self) -> Self {
        let mut clean = self.clone();
        for (_, secret) in clean.secrets_mut() {
            *secret = None;
        }
        clean
    }

    /// The notice to keep once delivered: each secret it carried replaced by
    /// `[delivered]`; None when it carried none (nothing to rewrite).
    pub fn scrubbed(&self) -> Option<Self> {
        let mut clean = self.clone();
        let mut any = false;
        for (_, secret) in clean.secrets_mut() {
            if secret.is_some() {
                *secret = Some(DELIVERED.to_owned());
                any = true;
            }
        }
        any.then_some(clean)
    }

    /// Who did the act told, when a substitute decision maker did it.
    pub fn acted_by_sdm(&self) -> Option<&str> {
        match self {
            Self::ConsentGiven(f) => f.acted_by_sdm.as_deref(),
            Self::ConsentRevoked(f) => f.acted_by_sdm.as_deref(),
            Self::AccessKeyIssued(f) => f.acted_by_sdm.as_deref(),
            Self::Withdrawal(f) => f.acted_by_sdm.as_deref(),
            _ => None,
        }
    }

    /// Names the substitute decision maker who did the act; a kind that tells no act
    /// someone did is left as it is.
    pub fn set_acted_by_sdm(&mut self, name: String) {
        let slot = match self {
            Self::ConsentGiven(f) => &mut f.acted_by_sdm,
            Self::ConsentRevoked(f) => &mut f.acted_by_sdm,
            Self::AccessKeyIssued(f) => &mut f.acted_by_sdm,
            Self::Withdrawal(f) => &mut f.acted_by_sdm,
            _ => return,
        };
        *slot = Some(name);
    }
}

/// A notification job's payload: the notice and whom it goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Unique per event; with the channel and recipient, the job's dedupe key. Part of
    /// each sealed secret's associated data.
    #[serde(default)]
    pub event_id: String,
    /// The patient written to, whose current address the notifier looks up.
    #[serde(default)]
    pub patient_id: Option<PatientId>,
    /// An address named by the event (an applicant, a provider's administrator, an SDM,
    /// a new mobile or email being verified) instead of the patient's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// The addressee's language (`en`, `zh-Hant`, `zh-Hans`) when there is no patient.
    #[serde(default)]
    pub language: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    #[serde(default)]
    pub name_zh: Option<String>,
    /// RFC 3339, as the event's producer wrote it.
    #[serde(default)]
    pub occurred_at: String,
    #[serde(flatten)]
    pub notice: Notice,
}

impl Notification {
    pub fn kind(&self) -> NotificationKind {
        self.notice.kind()
    }

    /// Reads a job's stored payload, in the shape of any release. A row written by hand
    /// (an operator, a test) may lack the kind, which is the job's type, or facts.
    pub fn read(job_type: &str, payload: &str) -> Result<Self, serde_json::Error> {
        let mut value: serde_json::Value = serde_json::from_str(payload)?;
        if let Some(fields) = value.as_object_mut() {
            fields.entry("kind").or_insert_with(|| job_type.into());
            fields
                .entry("facts")
                .or_insert_with(|| serde_json::json!({}));
        }
        let mut read: Self = serde_json::from_value(value)?;
        if let Notice::VerificationCode(f) = &mut read.notice {
            if read.destination.is_none() {
                read.destination = f.legacy_destination.take();
            }
        }
        Ok(read)
    }

    /// The payload as stored: JSON with its keys in order, like the payloads written
    /// before the notice was typed.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    pub fn with_notice(&self, notice: Notice) -> Self {
        Self {
            notice,
            ..self.clone()
        }
    }
}

#[cfg(test)]
#[path = "notice_tests.rs"]
mod tests;
