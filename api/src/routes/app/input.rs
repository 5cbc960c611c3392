//! Parsing the app's input into core's types, naming the field on error.

use chrono::NaiveDate;
use ehealth_core::CoreError;
use serde::Serialize;
use utoipa::ToSchema;

pub fn date(field: &'static str, text: &str) -> Result<NaiveDate, CoreError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| CoreError::invalid(field, "must be a date written YYYY-MM-DD"))
}

/// A bounded free-text value.
pub fn text(field: &'static str, value: &str, max_chars: usize) -> Result<String, CoreError> {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > max_chars {
        return Err(CoreError::invalid(
            field,
            format!("must be 1 to {max_chars} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// An identity document as the app sends it.
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdDocumentBody {
    /// `hkic`, `passport`, `birth_certificate` or `exit_entry_permit`.
    #[serde(rename = "type")]
    pub kind: String,
    pub number: String,
    /// ISO 3166 code of the issuing place (not for an HKIC).
    pub place: Option<String>,
}

impl IdDocumentBody {
    pub fn parse(&self) -> Result<ehealth_core::ids::IdentityDocument, CoreError> {
        if self.number.len() > 40 {
            return Err(CoreError::invalid("id_document.number", "too long"));
        }
        ehealth_core::ids::IdentityDocument::parse(&self.kind, &self.number, self.place.as_deref())
    }
}

/// The error body every 4xx/5xx answer carries (for the OpenAPI document).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, snake_case.
    pub code: String,
    pub message: String,
    /// The input field at fault, when there is one.
    pub field: Option<String>,
}
