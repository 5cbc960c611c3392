//! Parsing the app's input into core's types, naming the field on error.

use chrono::NaiveDate;
use ehealth_core::CoreError;

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

pub use http_common::body::{ErrorBody, IdDocumentBody};
