//! Storage integration tests: the queries and use cases of `ehealth-core` against real
//! databases, each test on SQLite and on PostgreSQL (see `harness`).
//!
//! PostgreSQL: `EHEALTH_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`, a role that may create databases);
//! `EHEALTH_TEST_POSTGRES=required` turns "no server" into a failure instead of a skip.
//! `postgres_suite_status` says which happened.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod harness;
mod fixtures;

mod access_key;
mod attempts;
mod audit_concurrency;
mod audit_migration;
mod audit_tamper;
mod consent;
mod demo;
mod jobs;
mod migrations;
mod one_transaction;
mod patient_concurrency;
mod registration;
mod reminders;
mod retention;
mod typed_rows;

use ehealth_core::testing::pg::{self, Availability};

#[test]
fn postgres_suite_status() {
    let url = pg::redact(&pg::server_url());
    match pg::server() {
        Ok(Availability::Ready(_)) => println!("PostgreSQL suite: running against {url}"),
        Ok(Availability::Unreachable(reason)) => {
            assert!(
                !pg::required(),
                "PostgreSQL suite: REQUIRED ({}=required) but there is no server \
                 at {url}: {reason}",
                pg::REQUIRED_VAR
            );
            println!(
                "PostgreSQL suite: SKIPPED (no server at {url}: {reason}); \
                 set {}=required to make this an error",
                pg::REQUIRED_VAR
            );
        }
        Err(e) => panic!("PostgreSQL suite: server at {url} answered but setup failed: {e}"),
    }
}
