//! TOTP second factor, RFC 6238 (issue 4).
