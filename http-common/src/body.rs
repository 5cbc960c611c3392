//! Request and answer bodies that more than one route family reads or documents.

use ehealth_core::ids::IdentityDocument;
use ehealth_core::{CoreError, ErrorCode};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::ToSchema;

/// Longest identity-document number read, in bytes, before it is normalised. Core allows
/// 20 letters or digits once spaces and dashes are dropped; a longer raw text is refused
/// here first, so that untrusted input is bounded before any work is done on it.
const ID_NUMBER_MAX_BYTES: usize = 40;

/// An identity document as the app, the counter and the Office send it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
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
    pub fn parse(&self) -> Result<IdentityDocument, CoreError> {
        if self.number.len() > ID_NUMBER_MAX_BYTES {
            return Err(CoreError::invalid("id_document.number", "too long"));
        }
        IdentityDocument::parse(&self.kind, &self.number, self.place.as_deref())
    }
}

/// The error body every 4xx/5xx answer carries (for the OpenAPI document).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    #[schema(schema_with = error_code_schema)]
    pub code: ErrorCode,
    pub message: String,
    /// The input field at fault, when there is one.
    pub field: Option<String>,
}

/// `ErrorCode` as the OpenAPI document shows it: a string enum of every code (core has
/// no utoipa, so the schema is built here from `ErrorCode::ALL`).
fn error_code_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
        .description(Some(
            "Stable, snake_case; the code names the HTTP status (docs/errors.md lists them).",
        ))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(number: &str) -> IdDocumentBody {
        IdDocumentBody {
            kind: "passport".into(),
            number: number.into(),
            place: Some("GB".into()),
        }
    }

    #[test]
    fn a_number_is_bounded_before_core_normalises_it() {
        assert!(body("12-34-56").parse().is_ok());
        let long = "1-".repeat(21);
        let err = body(&long).parse().err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("id_document.number: too long"));
    }
}
