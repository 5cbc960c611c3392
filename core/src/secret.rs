//! How secrets are kept. Low-entropy standing secrets (access keys, passwords) get a slow
//! salted Argon2id hash. Short-lived 6-digit codes get an HMAC keyed by a server secret
//! that is not in the database. High-entropy random tokens (sessions) are looked up by
//! their SHA-256 digest. Every comparison is constant-time. Argon2id runs only on the
//! bounded pool of `hash_pool` (its memory stays on the pool's few threads); a caller who
//! finds the pool full gets `CoreError::Busy`.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::CoreError;
use crate::hash_pool::{HashPool, PoolSize, Slot};
use crate::seal::SecretBox;

/// Argon2id cost. The defaults follow OWASP's second recommended set (19 MiB, 2 passes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Argon2Cost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Cost {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

#[derive(Clone)]
pub struct SecretHasher {
    argon2: Argon2<'static>,
    code_key: SecretString,
    /// A hash of a random secret, verified against when there is no stored hash, so that
    /// "no such patient" costs the same time as "wrong key".
    decoy: String,
    /// Seals the secrets that must be read back (see `seal`); development keys unless
    /// `with_sealer` gives the configured ones.
    sealer: SecretBox,
    pool: HashPool,
}

impl SecretHasher {
    /// A hasher with the default pool: a thread per core, four tries queued per thread.
    pub fn new(cost: Argon2Cost, code_key: SecretString) -> Result<Self, CoreError> {
        Self::with_pool(cost, code_key, PoolSize::default())
    }

    pub fn with_pool(
        cost: Argon2Cost,
        code_key: SecretString,
        size: PoolSize,
    ) -> Result<Self, CoreError> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| CoreError::Internal(format!("argon2 parameters: {e}")))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut hasher = Self {
            argon2,
            code_key,
            decoy: String::new(),
            sealer: SecretBox::development(),
            pool: HashPool::start(size)?,
        };
        hasher.decoy = hasher.hash(&random_token())?;
        Ok(hasher)
    }

    pub fn with_sealer(mut self, sealer: SecretBox) -> Self {
        self.sealer = sealer;
        self
    }

    pub fn sealer(&self) -> &SecretBox {
        &self.sealer
    }

    pub fn pool_size(&self) -> PoolSize {
        self.pool.size()
    }

    /// A place in the Argon2 pool for one hash or verification, or `Busy`. Taken before
    /// the particulars are looked up, a refusal says nothing about them.
    pub fn reserve(&self) -> Result<HashTurn<'_>, CoreError> {
        Ok(HashTurn {
            hasher: self,
            slot: self.pool.reserve()?,
        })
    }

    /// PHC string (`$argon2id$v=19$m=...`) with a fresh random salt.
    pub fn hash(&self, secret: &str) -> Result<String, CoreError> {
        self.reserve()?.hash(secret)
    }

    /// Constant-time verification; a malformed stored hash counts as a mismatch.
    pub fn verify(&self, secret: &str, stored: &str) -> Result<bool, CoreError> {
        self.reserve()?.verify(secret, stored)
    }

    /// Spends the time of one verification and fails: for a secret with no stored hash.
    pub fn verify_decoy(&self, secret: &str) -> Result<bool, CoreError> {
        self.reserve()?.verify_decoy(secret)
    }

    /// HMAC-SHA256 of a one-time code, bound to what it is for (`purpose:subject`).
    pub fn code_digest(&self, binding: &str, code: &str) -> String {
        hex::encode(self.code_mac(binding, code))
    }

    pub fn verify_code(&self, binding: &str, code: &str, stored_hex: &str) -> bool {
        match hex::decode(stored_hex) {
            Ok(stored) => bool::from(self.code_mac(binding, code).ct_eq(stored.as_slice())),
            Err(_) => false,
        }
    }

    fn code_mac(&self, binding: &str, code: &str) -> Vec<u8> {
        // HMAC accepts keys of any length, so this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.code_key.expose_secret().as_bytes())
        else {
            return Vec::new();
        };
        mac.update(binding.as_bytes());
        mac.update(b"\0");
        mac.update(code.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

/// One admitted Argon2 computation: it runs on a pool thread while the caller waits.
pub struct HashTurn<'a> {
    hasher: &'a SecretHasher,
    slot: Slot,
}

impl HashTurn<'_> {
    pub fn hash(self, secret: &str) -> Result<String, CoreError> {
        let (argon2, secret) = (self.hasher.argon2.clone(), SecretString::from(secret));
        self.slot.run(move || {
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            argon2
                .hash_password(secret.expose_secret().as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| CoreError::Internal(format!("argon2 hash: {e}")))
        })?
    }

    pub fn verify(self, secret: &str, stored: &str) -> Result<bool, CoreError> {
        let argon2 = self.hasher.argon2.clone();
        let (secret, stored) = (SecretString::from(secret), stored.to_owned());
        self.slot.run(move || match PasswordHash::new(&stored) {
            Ok(parsed) => argon2
                .verify_password(secret.expose_secret().as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        })
    }

    pub fn verify_decoy(self, secret: &str) -> Result<bool, CoreError> {
        let decoy = self.hasher.decoy.clone();
        self.verify(secret, &decoy).map(|_| false)
    }
}

/// 32 random bytes, URL-safe base64: for session tokens and the like.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The digest under which a high-entropy token is stored and looked up.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher() -> SecretHasher {
        let cheap = Argon2Cost {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        };
        SecretHasher::new(cheap, SecretString::from("test-key")).expect("hasher")
    }

    #[test]
    fn argon2_hash_verifies_only_the_same_secret() {
        let h = hasher();
        let stored = h.hash("12345678").expect("hash");
        assert!(stored.starts_with("$argon2id$"));
        assert!(!stored.contains("12345678"));
        assert!(h.verify("12345678", &stored).expect("admitted"));
        assert!(!h.verify("12345679", &stored).expect("admitted"));
        assert!(!h.verify("12345678", "not a hash").expect("admitted"));
        assert_ne!(stored, h.hash("12345678").expect("hash"), "salted");
        assert!(!h.verify_decoy("12345678").expect("admitted"));
    }

    #[test]
    fn a_full_pool_refuses_before_any_verification() {
        let cheap = Argon2Cost {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        };
        let size = PoolSize {
            threads: 1,
            queue: 0,
        };
        let h = SecretHasher::with_pool(cheap, SecretString::from("k"), size).expect("hasher");
        let stored = h.hash("12345678").expect("hash");
        let held = h.reserve().expect("the one place");
        for refused in [h.verify("12345678", &stored), h.verify_decoy("12345678")] {
            assert!(
                matches!(refused, Err(CoreError::Busy { .. })),
                "{refused:?}"
            );
        }
        assert!(held.verify("12345678", &stored).expect("admitted"));
        assert!(h.verify("12345678", &stored).expect("free again"));
    }

    #[test]
    fn code_digest_is_bound_to_its_purpose() {
        let h = hasher();
        let d = h.code_digest("sign_in:p1", "123456");
        assert!(h.verify_code("sign_in:p1", "123456", &d));
        assert!(!h.verify_code("sign_in:p2", "123456", &d));
        assert!(!h.verify_code("sign_in:p1", "123457", &d));
        assert!(!h.verify_code("sign_in:p1", "123456", "zz"));
    }

    #[test]
    fn tokens_are_random_and_digests_stable() {
        let a = random_token();
        assert_ne!(a, random_token());
        assert_eq!(token_digest(&a), token_digest(&a));
        assert_eq!(token_digest(&a).len(), 64);
    }
}
