use super::text_enum;

text_enum! {
    ConsentType, "type" {
        OneYear => "one_year",
        Indefinite => "indefinite",
        /// Held by HA and DH from joining until withdrawal; cannot be revoked.
        Deemed => "deemed",
    }
}

text_enum! {
    /// How a consent was given or revoked.
    ConsentChannel, "channel" {
        App => "app",
        AccessKey => "access_key",
        Ivr => "ivr",
        SmartHkic => "smart_hkic",
        Form => "form",
        Deemed => "deemed",
        Withdrawal => "withdrawal",
    }
}

text_enum! {
    ConsentStatus, "status" {
        Active => "active",
        Superseded => "superseded",
        Revoked => "revoked",
        /// Ended by withdrawal from eHealth or by the provider leaving.
        Ended => "ended",
    }
}

text_enum! {
    /// Who acted: every consent row and audit entry records it.
    ActorKind, "actor_kind" {
        Patient => "patient",
        Sdm => "sdm",
        Hcprof => "hcprof",
        UserAdmin => "user_admin",
        Office => "office",
        System => "system",
        Caller => "caller",
    }
}

/// Who acted, with their id (a patient, SDM or account id; the caller's number for
/// an unidentified voice-line caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<String>,
}

impl Actor {
    pub fn new(kind: ActorKind, id: impl Into<String>) -> Self {
        Self {
            kind,
            id: Some(id.into()),
        }
    }

    pub fn system() -> Self {
        Self {
            kind: ActorKind::System,
            id: None,
        }
    }
}
