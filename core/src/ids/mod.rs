//! Identifiers that can only be built by parsing: once you hold one, it is valid.

mod access_key;
mod ehr_number;
mod hkic;
mod identity_document;
mod internal_id;
mod luhn;
mod one_time_code;
mod provider_id;

pub use access_key::AccessKey;
pub use ehr_number::EhrNumber;
pub use hkic::Hkic;
pub use identity_document::{IdentityDocument, IdentityDocumentKind};
pub use internal_id::{AccountId, PatientId, SdmId};
pub use one_time_code::OneTimeCode;
pub use provider_id::ProviderId;

use crate::error::CoreError;

/// Strips the spaces and hyphens people type between digit groups.
fn digits_only(field: &'static str, input: &str, len: usize) -> Result<String, CoreError> {
    let cleaned: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if cleaned.len() != len || !cleaned.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CoreError::invalid(field, format!("must be {len} digits")));
    }
    Ok(cleaned)
}
