//! What the benchmarks share: the figures of a load, and the api process and its clients.

pub mod api;
pub mod figures;
