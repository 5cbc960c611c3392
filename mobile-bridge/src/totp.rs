//! TOTP second factor, RFC 6238: SHA-1, 6 digits, 30-second steps, one step of skew either
//! side for clocks that drift. The caller keeps the last accepted step so that a code is
//! accepted once only (the library cannot know what was accepted before).

use rand::RngCore;
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// What enrolment shows the professional's authenticator app.
pub const ISSUER: &str = "eHealth";
const STEP_SECS: u64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    #[error("the stored TOTP secret is not valid base32 of at least 128 bits")]
    BadSecret,
    #[error("cannot build the otpauth URI: {0}")]
    Uri(String),
}

/// A new random 160-bit secret (RFC 4226's recommended length), base32 as stored.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Secret::from(bytes).to_base32()
}

fn totp(secret_base32: &str, account_name: &str) -> Result<Totp, TotpError> {
    let bytes = Secret::try_from_base32(secret_base32).map_err(|_| TotpError::BadSecret)?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(STEP_SECS)
        .with_secret(bytes)
        .with_issuer(Some(ISSUER))
        .with_account_name(account_name.replace(':', "_"))
        .build()
        .map_err(|_| TotpError::BadSecret)
}

/// The `otpauth://totp/...` URI an authenticator app reads (from the QR code).
pub fn otpauth_uri(secret_base32: &str, account_name: &str) -> Result<String, TotpError> {
    totp(secret_base32, account_name)?
        .to_url()
        .map_err(|e| TotpError::Uri(e.to_string()))
}

/// The step a typed code matches at `unix_secs` (within one step of skew), compared in
/// constant time by the library; `None` if it matches none.
pub fn matching_step(secret_base32: &str, code: &str, unix_secs: u64) -> Option<u64> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    totp(secret_base32, "check").ok()?.check(code, unix_secs)
}

/// The code for `unix_secs`: what an authenticator app shows (used by tests and the demo).
pub fn code_at(secret_base32: &str, unix_secs: u64) -> Result<String, TotpError> {
    Ok(totp(secret_base32, "code")?.generate(unix_secs).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B, SHA-1, last six digits of the eight-digit values.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // "12345678901234567890"

    #[test]
    fn matches_the_rfc_6238_test_vectors() {
        for (t, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at(RFC_SECRET, t).expect("code"), code);
            assert_eq!(matching_step(RFC_SECRET, code, t), Some(t / 30));
        }
    }

    #[test]
    fn accepts_one_step_of_skew_and_no_more() {
        let code = code_at(RFC_SECRET, 1_000_000_000).expect("code");
        assert!(matching_step(RFC_SECRET, &code, 1_000_000_000 + 30).is_some());
        assert!(matching_step(RFC_SECRET, &code, 1_000_000_000 + 90).is_none());
        assert!(matching_step(RFC_SECRET, "12345", 1_000_000_000).is_none());
        assert!(matching_step(RFC_SECRET, "abcdef", 1_000_000_000).is_none());
    }

    #[test]
    fn new_secrets_are_distinct_and_give_an_otpauth_uri() {
        let a = new_secret();
        assert_ne!(a, new_secret());
        let uri = otpauth_uri(&a, "1001:drchan").expect("uri");
        assert!(uri.starts_with("otpauth://totp/eHealth:"), "{uri}");
        assert!(uri.contains(&format!("secret={a}")), "{uri}");
        assert!(matches!(
            otpauth_uri("not base32!", "x"),
            Err(TotpError::BadSecret)
        ));
    }
}
