//! The outside mobile world behind small types: passkeys (WebAuthn), TOTP second factor,
//! QR codes (SVG), and the FCM HTTP v1 push client.

pub mod fcm;
pub mod google_token;
pub mod qr;
pub mod totp;
pub mod webauthn;
