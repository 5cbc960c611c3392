//! 6-digit one-time codes sent by SMS (mobile verification, sign-in).

use std::fmt;

use rand::Rng;
use secrecy::{ExposeSecret, SecretString};

use super::digits_only;
use crate::error::CoreError;

#[derive(Clone)]
pub struct OneTimeCode(SecretString);

impl OneTimeCode {
    pub fn parse(input: &str) -> Result<Self, CoreError> {
        Ok(Self(SecretString::from(digits_only("code", input, 6)?)))
    }

    pub fn generate<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let n: u32 = rng.gen_range(0..1_000_000);
        Self(SecretString::from(format!("{n:06}")))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneTimeCode(******)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_digits_only() {
        assert_eq!(OneTimeCode::parse("012345").expect("ok").expose(), "012345");
        assert!(OneTimeCode::parse("12345").is_err());
        assert!(OneTimeCode::parse("abcdef").is_err());
        let code = OneTimeCode::generate(&mut rand::thread_rng());
        assert_eq!(code.expose().len(), 6);
    }
}
