//! `[audit]` settings: the log's origin, its Ed25519 signing key and the sequencer's pace.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::note::LogSigner;
use crate::error::CoreError;

/// Base64 of the 32-byte seed `development-key-not-secret-00000`: public, so production
/// refuses it.
pub const DEVELOPMENT_SIGNING_KEY: &str = "ZGV2ZWxvcG1lbnQta2V5LW5vdC1zZWNyZXQtMDAwMDA=";

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// The checkpoint origin line and the signing key's name.
    pub origin: String,
    /// Base64 of the 32-byte Ed25519 seed.
    pub signing_key: SecretString,
    /// Most entries integrated per sequencer transaction.
    pub batch_size: i64,
    /// How long the sequencer sleeps when nothing is pending.
    pub interval_ms: u64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            origin: "ehealth.example/access-log".to_owned(),
            signing_key: SecretString::from(DEVELOPMENT_SIGNING_KEY),
            batch_size: 5_000,
            interval_ms: 100,
        }
    }
}

impl AuditConfig {
    pub fn signer(&self) -> Result<LogSigner, CoreError> {
        let seed: [u8; 32] = B64
            .decode(self.signing_key.expose_secret().trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| CoreError::invalid("audit.signing_key", "must be base64 of 32 bytes"))?;
        if self.origin.is_empty() || self.origin.contains(char::is_whitespace) {
            return Err(CoreError::invalid("audit.origin", "one word, no spaces"));
        }
        Ok(LogSigner::from_seed(&self.origin, &seed))
    }

    /// Production refuses the public development key.
    pub fn check(&self, production: bool) -> Result<(), CoreError> {
        self.signer()?;
        if production && self.signing_key.expose_secret().trim() == DEVELOPMENT_SIGNING_KEY {
            return Err(CoreError::invalid(
                "EHEALTH_AUDIT_SIGNING_KEY",
                "production needs its own audit log signing key",
            ));
        }
        if self.batch_size < 1 {
            return Err(CoreError::invalid("audit.batch_size", "must be at least 1"));
        }
        Ok(())
    }
}
