//! Identity verification at the counter: complete a pending application (the document
//! read from the smart HKIC, or typed and checked, must be the application's; the contact
//! details are confirmed), or register a walk-in patient. Either issues the eHR number and
//! the first access key and tells the patient. Sharing consent for the professional's
//! provider may be taken in the same step; it is its own transaction, after registration.

use crate::ErrorCode;
use chrono::{DateTime, Utc};

use super::accounts::Staff;
use super::consent::{self, ConsentRequest};
use super::identity_verification::complete_application;
use super::registration::{self, Particulars, Registered};
use crate::db::consents::SharingConsent;
use crate::db::{applications, DbConn};
use crate::domain::{AccountRole, ConsentChannel, ConsentType};
use crate::error::{CoreError, CoreResult};
use crate::ids::{IdentityDocument, ProviderId};
use crate::secret::SecretHasher;

/// How the professional verified identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    SmartHkic,
    DocumentChecked,
}

impl Verification {
    pub fn parse(s: &str) -> CoreResult<Self> {
        match s {
            "smart_hkic" => Ok(Self::SmartHkic),
            "document_checked" => Ok(Self::DocumentChecked),
            _ => Err(CoreError::invalid(
                "verified_by",
                "must be smart_hkic or document_checked",
            )),
        }
    }

    /// The channel of a consent taken in the same step.
    fn consent_channel(self) -> ConsentChannel {
        match self {
            Self::SmartHkic => ConsentChannel::SmartHkic,
            Self::DocumentChecked => ConsentChannel::Form,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Subject {
    Application {
        id: String,
        document: IdentityDocument,
    },
    WalkIn(Box<Particulars>),
}

#[derive(Debug, Clone)]
pub struct IdentityVerification {
    pub subject: Subject,
    pub verified_by: Verification,
    pub contact_confirmed: bool,
    pub consent: Option<ConsentType>,
}

#[derive(Debug)]
pub struct CounterRegistration {
    pub registered: Registered,
    /// The consent taken in the same step, or why it could not be (registration stands).
    pub consent: Option<CoreResult<SharingConsent>>,
}

pub fn verify_identity(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    staff: &Staff,
    req: &IdentityVerification,
    now: DateTime<Utc>,
) -> CoreResult<CounterRegistration> {
    staff.require(AccountRole::Hcprof)?;
    let provider = ProviderId::parse(staff.provider_id().ok_or_else(|| {
        CoreError::refused(ErrorCode::WrongRole, "a provider's account is needed")
    })?)?;
    if !req.contact_confirmed {
        return Err(CoreError::invalid(
            "contact_confirmed",
            "confirm the contact details with the patient",
        ));
    }
    if let Some(ConsentType::Deemed) = req.consent {
        return Err(CoreError::invalid(
            "consent.type",
            "must be one_year or indefinite",
        ));
    }
    let actor = staff.actor();
    let registered = match &req.subject {
        Subject::Application { id, document } => {
            let app = applications::find(conn, id)?.ok_or(CoreError::NotFound("application"))?;
            if app.id_doc_key != document.key() {
                return Err(CoreError::invalid(
                    "id_document",
                    "the document checked is not the one on the application",
                ));
            }
            complete_application(conn, hasher, id, &provider, &actor, now)?
        }
        Subject::WalkIn(particulars) => {
            registration::register(conn, hasher, particulars, Some(&provider), &actor, now)?
        }
    };
    let consent = req.consent.map(|consent_type| {
        let request = ConsentRequest {
            patient_id: registered.patient.id.clone(),
            provider_id: provider.clone(),
            consent_type,
            channel: req.verified_by.consent_channel(),
            actor: actor.clone(),
        };
        consent::give(conn, &request, now)
    });
    Ok(CounterRegistration {
        registered,
        consent,
    })
}
