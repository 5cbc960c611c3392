//! Issue 15's benchmark (not a test): `cargo bench --bench scale`. Latency of the read
//! paths, the record view and the consent change by population size.
//!
//! For each size in `EHEALTH_BENCH_SCALE_SIZES` (patients; default 10^4, 10^5, 10^6) a
//! PostgreSQL database `ehealth_scale_<size>` on the tests' server
//! (`EHEALTH_TEST_POSTGRES_URL`) is filled by `ehealth bench seed` (ten access-log
//! entries per patient; kept, and reused by the next run unless
//! `EHEALTH_BENCH_SCALE_RESEED=1`), then a release `ehealth api` serves it and
//! `EHEALTH_BENCH_CLIENTS` (20) clients load each path for `EHEALTH_BENCH_SECONDS` (10),
//! with patients drawn at random from the whole population (so caches do not hide the
//! size). One table at the end: path x size, p50 / p99 / req/s, and the growth from the
//! smallest size to the largest.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod paths;
#[path = "../support/mod.rs"]
mod support;

use std::process::Command;

use diesel::prelude::*;
use ehealth_core::testing::pg::{server_url, with_database};

use support::figures::Load;

fn setting(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// The database of `size` patients, seeded unless it already is.
fn seeded_database(size: u64) -> String {
    let name = format!("ehealth_scale_{size}");
    let mut admin = PgConnection::establish(&server_url()).expect("PostgreSQL");
    let exists: i64 = diesel::sql_query(format!(
        "SELECT 1 AS n FROM pg_database WHERE datname = '{name}'"
    ))
    .load::<paths::Count>(&mut admin)
    .expect("pg_database")
    .len() as i64;
    let url = with_database(&server_url(), &name);
    if exists == 1
        && setting("EHEALTH_BENCH_SCALE_RESEED", "0") != "1"
        && paths::is_seeded(&url, size)
    {
        println!("{name}: reused");
        return url;
    }
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut admin)
        .expect("drop");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("create");
    let out = Command::new(env!("CARGO_BIN_EXE_ehealth"))
        .args([
            "bench",
            "seed",
            "--patients",
            &size.to_string(),
            "--database-url",
            &url,
        ])
        .current_dir(std::env::temp_dir())
        .env("EHEALTH_DEMO", "0")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run ehealth bench seed");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    url
}

fn main() {
    let sizes: Vec<u64> = setting("EHEALTH_BENCH_SCALE_SIZES", "10000,100000,1000000")
        .split(',')
        .map(|s| s.trim().parse().expect("a size"))
        .collect();
    let seconds: u64 = setting("EHEALTH_BENCH_SECONDS", "10")
        .parse()
        .expect("seconds");
    let clients: usize = setting("EHEALTH_BENCH_CLIENTS", "20")
        .parse()
        .expect("clients");
    let mut table: Vec<(u64, Vec<(&'static str, Load)>)> = Vec::new();
    for &size in &sizes {
        let url = seeded_database(size);
        let loads = paths::measure(&url, size, clients, seconds);
        for (what, load) in &loads {
            println!("{size:>8} {}", load.line(what, clients));
        }
        table.push((size, loads));
    }
    print_table(&table, clients);
}

fn print_table(table: &[(u64, Vec<(&'static str, Load)>)], clients: usize) {
    println!(
        "\n== issue 15: latency by population size, PostgreSQL, release, {clients} clients =="
    );
    print!("{:<34}", "path");
    for (size, _) in table {
        print!(" | {:>8} p50/p99 ms, req/s", size);
    }
    println!(" | growth p50 / p99");
    let Some((_, first)) = table.first() else {
        return;
    };
    for (k, (what, _)) in first.iter().enumerate() {
        print!("{what:<34}");
        for (_, loads) in table {
            let l = &loads[k].1;
            print!(
                " | {:>7.1} / {:>7.1}, {:>7.0}",
                l.p(0.5),
                l.p(0.99),
                l.rate()
            );
        }
        let (a, b) = (&first[k].1, &table[table.len() - 1].1[k].1);
        println!(
            " | {:.2}x / {:.2}x",
            b.p(0.5) / a.p(0.5),
            b.p(0.99) / a.p(0.99)
        );
    }
}
