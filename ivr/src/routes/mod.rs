//! The webhook handlers, one file per kind of callback.

pub mod status;
pub mod voice;
