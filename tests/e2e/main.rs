//! End-to-end tests of the `ehealth` package: the real services over real HTTP on port 0,
//! on SQLite and on PostgreSQL (each test runs once per backend), and the binary itself.
//! One test binary, modules by area.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod support;

mod app;
mod foundation;
mod hcp;
mod ivr;
mod journey;
mod notifier;
