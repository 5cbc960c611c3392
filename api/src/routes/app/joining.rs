//! What the joining handlers share: the application form, its view and the code limits.
//! The application id (random, unguessable) is what the applicant holds until they are
//! registered; it shows the state of the application and nothing more.

use ehealth_core::actions::code_requests::RequestLimits;
use ehealth_core::actions::codes::CodePolicy;
use ehealth_core::actions::registration::{Particulars, ParticularsText};
use ehealth_core::context::Services;
use ehealth_core::db::applications::Application;
use ehealth_core::CoreError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::input::IdDocumentBody;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationBody {
    pub id_document: IdDocumentBody,
    pub name_en: String,
    pub name_zh: Option<String>,
    /// YYYY-MM-DD
    pub date_of_birth: String,
    /// `F`, `M` or `U`
    pub sex: String,
    pub mobile: String,
    pub email: Option<String>,
    pub postal_address: Option<String>,
    /// `en`, `zh-Hant` or `zh-Hans`
    pub language: String,
    /// Any of `sms`, `email`, `post`
    pub notification_means: Vec<String>,
}

impl ApplicationBody {
    pub(crate) fn parse(&self) -> Result<Particulars, CoreError> {
        let text = ParticularsText {
            name_en: &self.name_en,
            name_zh: self.name_zh.as_deref(),
            date_of_birth: &self.date_of_birth,
            sex: &self.sex,
            mobile: &self.mobile,
            email: self.email.as_deref(),
            postal_address: self.postal_address.as_deref(),
            language: &self.language,
            notification_means: &self.notification_means,
        };
        Particulars::parse(self.id_document.parse()?, &text)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: String,
    /// `pending_mobile_verification`, `pending_identity_verification`, `completed`, `cancelled`
    pub status: String,
    pub name_en: String,
    /// The mobile the code went to, partly hidden.
    pub mobile_hint: String,
    pub created_at: String,
    pub updated_at: String,
    /// When the last code sent expires (only right after sending).
    pub code_expires_at: Option<String>,
}

pub(crate) fn hint(mobile: &str) -> String {
    let tail: String = mobile
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("****{tail}")
}

pub(crate) fn view(app: &Application, code_expires_at: Option<String>) -> ApplicationView {
    ApplicationView {
        id: app.id.clone(),
        status: app.status.to_string(),
        name_en: app.name_en.clone(),
        mobile_hint: hint(&app.mobile),
        created_at: app.created_at.and_utc().to_rfc3339(),
        updated_at: app.updated_at.and_utc().to_rfc3339(),
        code_expires_at,
    }
}

pub(crate) fn limits(services: &Services) -> (CodePolicy, RequestLimits) {
    let security = &services.config.security;
    (CodePolicy::of(security), RequestLimits::of(security))
}
