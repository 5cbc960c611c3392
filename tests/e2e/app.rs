//! The patient app (`/v1/app`, issue 3): joining, sign-in, consents, access key, access
//! records, preferences, SDMs, and the defences (codes, outsiders, bad input).

mod bad_input;
mod codes;
mod delivery;
pub(crate) mod helpers;
mod journey;
mod log_proofs;
mod openapi;
mod oracles;
pub(crate) mod outsiders;
mod passkey;
mod passkey_clients;
mod passkey_origins;
mod rfc9162;
mod sdm;
mod sdm_journey;
mod settings;
