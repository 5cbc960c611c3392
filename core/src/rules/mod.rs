//! The rules, as pure functions of their inputs (time is passed in), so that each can be
//! tested alone.

pub mod access_decision;
pub mod acting;
pub mod consent_validity;
pub mod lockout;
pub mod registration_validity;
pub mod sdm;
pub mod supporting_documents;

pub use crate::hong_kong_time::hong_kong_date;
pub use access_decision::{decide, AccessDecision, AccessFacts, Purpose, Refusal, Withheld};
pub use consent_validity::{consent_in_force, expiry_for, one_year_expiry, reminder_due};
pub use lockout::{AttemptState, Gate, Lock, LockoutPolicy};
pub use registration_validity::{registration_valid, reminder_window};
