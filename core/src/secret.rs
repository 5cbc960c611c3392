//! How secrets are kept. Low-entropy standing secrets (access keys, passwords) get a slow
//! salted Argon2id hash. Short-lived 6-digit codes get an HMAC keyed by a server secret
//! that is not in the database. High-entropy random tokens (sessions) are looked up by
//! their SHA-256 digest. Every comparison is constant-time. Argon2id runs only on the
//! bounded pool of `hash_pool` (its memory stays on the pool's few threads); a caller who
//! finds the pool full gets `CoreError::Busy`.

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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
            hash_in_own_memory(&argon2, secret.expose_secret().as_bytes(), &salt)
                .map_err(|e| CoreError::Internal(format!("argon2 hash: {e}")))
        })?
    }

    pub fn verify(self, secret: &str, stored: &str) -> Result<bool, CoreError> {
        let (secret, stored) = (SecretString::from(secret), stored.to_owned());
        self.slot
            .run(move || verify_in_own_memory(secret.expose_secret().as_bytes(), &stored))
    }

    pub fn verify_decoy(self, secret: &str) -> Result<bool, CoreError> {
        let decoy = self.hasher.decoy.clone();
        self.verify(secret, &decoy).map(|_| false)
    }
}

/// Bytes above which glibc's malloc always maps an allocation of its own and unmaps it when
/// freed: its dynamic mmap threshold never rises above 32 MiB on 64-bit (mallopt(3),
/// `M_MMAP_THRESHOLD`). Argon2id's 19 MiB, allocated and freed for every verification, is
/// below it: after the first free glibc raised the threshold and served the next ones
/// from its arenas, where the small allocations of other threads split the freed blocks
/// and each arena grew by 19 MiB steps to its 64 MiB heap (issue 15: 16 -> 208 MiB for the
/// ivr under a steady 5 verifications/s). Reserved above it, the memory is the kernel's
/// again when the verification ends; only the 19 MiB used are ever touched.
const OWN_MAPPING_BYTES: usize = 32 * 1024 * 1024 + 4096;

/// Zeroed working memory for `blocks` Argon2 blocks, in a mapping of its own.
fn working_memory(blocks: usize) -> Vec<Block> {
    let reserved = OWN_MAPPING_BYTES.div_ceil(std::mem::size_of::<Block>());
    let mut memory = Vec::with_capacity(blocks.max(reserved));
    memory.resize(blocks, Block::default());
    memory
}

/// The PHC string of `secret` under `argon2`'s parameters, as `PasswordHasher::hash_password`
/// makes it, with the working memory of `working_memory`.
fn hash_in_own_memory(
    argon2: &Argon2<'_>,
    secret: &[u8],
    salt: &SaltString,
) -> Result<String, argon2::password_hash::Error> {
    let salt = salt.as_salt();
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let params = argon2.params().clone();
    let mut out = vec![0u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    argon2.hash_password_into_with_memory(
        secret,
        salt_bytes,
        &mut out,
        working_memory(params.block_count()),
    )?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt),
        hash: Some(Output::new(&out)?),
    };
    Ok(hash.to_string())
}

/// `PasswordVerifier::verify_password` with the stored hash's own parameters and the working
/// memory of `working_memory`; a malformed stored hash is a mismatch.
fn verify_in_own_memory(secret: &[u8], stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let Ok(version) = parsed.version.map(Version::try_from).transpose() else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params);
    let mut out = vec![0u8; expected.len()];
    if argon2
        .hash_password_into_with_memory(secret, salt_bytes, &mut out, working_memory(blocks))
        .is_err()
    {
        return false;
    }
    bool::from(out.as_slice().ct_eq(expected.as_bytes()))
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
    fn the_hash_is_the_crates_own_phc_string_both_ways() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let cost = Argon2Cost {
            memory_kib: 256,
            iterations: 2,
            parallelism: 1,
        };
        let params =
            Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None).expect("params");
        let crate_own = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let ours = hash_in_own_memory(&crate_own, b"12345678", &salt).expect("hash");
        let theirs = crate_own
            .hash_password(b"12345678", &salt)
            .expect("hash")
            .to_string();
        assert_eq!(ours, theirs, "the same PHC string for the same salt");
        let parsed = PasswordHash::new(&ours).expect("parses");
        assert!(crate_own.verify_password(b"12345678", &parsed).is_ok());
        assert!(verify_in_own_memory(b"12345678", &theirs));
        assert!(!verify_in_own_memory(b"12345679", &theirs));
        assert!(!verify_in_own_memory(
            b"12345678",
            "$argon2id$v=19$m=256,t=2,p=1$bm9wZQ"
        ));
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
