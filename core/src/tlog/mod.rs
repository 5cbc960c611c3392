//! The verifiable access log (SPEC §8): RFC 9162 Merkle hashing, the leaf encoding, and
//! signed checkpoints. Pure code; the tables are in `db::audit_tree`, the sequencer in
//! `actions::sequencer`, the verifier in `actions::audit_verify`.

pub mod config;
pub mod leaf;
pub mod merkle;
pub mod note;
