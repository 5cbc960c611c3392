//! What the passkey handlers share: the relying party, how its refusals read, and a
//! started ceremony. Ceremony state stays on the server; the client gets its id.

use ehealth_core::context::Services;
use ehealth_core::CoreError;
use ehealth_core::ErrorCode;
use mobile_bridge::webauthn::{PasskeyError, Passkeys};
use serde::Serialize;

pub(super) fn relying_party(services: &Services) -> Result<Passkeys, CoreError> {
    let c = &services.config.webauthn;
    Passkeys::new(&c.rp_id, &c.rp_origins, &c.rp_name)
        .map_err(|e| CoreError::Internal(e.to_string()))
}

pub(super) fn refused(e: PasskeyError) -> CoreError {
    match e {
        PasskeyError::Malformed(m) => CoreError::invalid("credential", m),
        PasskeyError::Rejected(m) => CoreError::unauthenticated(ErrorCode::PasskeyRejected, m),
        other => CoreError::Internal(other.to_string()),
    }
}

/// A started ceremony, documented as `RegistrationCeremony` / `SignInCeremony`.
#[derive(Debug, Serialize)]
pub struct CeremonyView {
    pub ceremony_id: String,
    pub options: serde_json::Value,
}
