//! End-to-end tests of the notifier issue: each channel against a real server speaking
//! its provider's protocol (Twilio and FCM stand-ins over HTTP, an SMTP server from the `mailin` crate), and
//! whole `ehealth notifier` processes crashing and sharing the queue.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod email;
mod folding;
pub(crate) mod harness;
mod postal;
mod postal_letter;
mod postal_runs;
pub(crate) mod processes;
pub(crate) mod push;
mod push_fcm;
mod secrets_at_rest;
pub(crate) mod sms;
mod sms_volume;
mod smtp_sink;
mod wakeup;
