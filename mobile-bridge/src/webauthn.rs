//! WebAuthn passkey ceremonies (issue 3).
