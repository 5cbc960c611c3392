//! End-to-end tests of the voice line (issue 6): whole calls replayed as signed Twilio
//! webhooks against the running ivr service, on SQLite and PostgreSQL, in Cantonese,
//! English and Putonghua. Every answer is parsed as XML; the TwiML of every step is
//! snapshot-tested under `tests/e2e/ivr/snapshots/` so that a reviewer can read what
//! callers hear.

mod busy;
pub(crate) mod call;
mod callbacks;
mod concurrency;
mod consent;
mod identity;
mod sdm;
mod security;
mod throttles;
mod twilio_sdk;
