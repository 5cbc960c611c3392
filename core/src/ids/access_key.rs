//! The patient's 8-digit access key: a standing secret, stored only as an Argon2id hash.

use std::fmt;

use rand::Rng;
use secrecy::{ExposeSecret, SecretString};

use super::digits_only;
use crate::error::CoreError;

/// An access key typed by someone. It never prints its digits (Debug is redacted).
#[derive(Clone)]
pub struct AccessKey(SecretString);

impl AccessKey {
    pub fn parse(input: &str) -> Result<Self, CoreError> {
        let digits = digits_only("access_key", input, 8)?;
        Ok(Self(SecretString::from(digits)))
    }

    /// A fresh random key, uniformly over all 10^8 values.
    pub fn generate<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let n: u32 = rng.gen_range(0..100_000_000);
        Self(SecretString::from(format!("{n:08}")))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessKey(********)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_eight_digits_and_redacts_debug() {
        let key = AccessKey::parse("1234 5678").expect("valid");
        assert_eq!(key.expose(), "12345678");
        assert!(!format!("{key:?}").contains("1234"));
        assert!(AccessKey::parse("1234567").is_err());
        assert!(AccessKey::parse("1234567a").is_err());
    }

    #[test]
    fn generated_keys_are_eight_digits() {
        let mut rng = rand::thread_rng();
        for _ in 0..100 {
            let key = AccessKey::generate(&mut rng);
            assert!(AccessKey::parse(key.expose()).is_ok());
        }
    }
}
