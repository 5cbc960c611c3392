//! What the benchmarks share: the figures of a load, and the api process and its clients.
// Each benchmark uses its own part of these.
#![allow(dead_code)]

pub mod api;
pub mod figures;
