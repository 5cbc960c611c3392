//! Issue 12's benchmark (not a test): `cargo bench --bench audit_log`. PostgreSQL on
//! 127.0.0.1:5432 as the tests (`EHEALTH_TEST_POSTGRES_URL`), `pgbench` on the path.
//! One invocation prints every figure the issue asks for beside pgbench's TPC-B at 8
//! clients, measured in the same run on the same box:
//!
//! 1. `http`: a release `ehealth api` process and an `ehealth audit sequence` process on a
//!    fresh database with the demo data and 50 patients; from this process, 50 concurrent
//!    clients over loopback: record views (`POST /v1/hcp/record-views`, the demo doctor,
//!    each client its own patient), then consent changes in the app (`PUT
//!    /v1/app/consents/{hcp_id}`, each client its own patient). `EHEALTH_BENCH_ROUNDS`
//!    rounds (3), each load `EHEALTH_BENCH_SECONDS` (10), TPC-B before the first round and
//!    after each; a load's ratio is to the mean of the TPC-B runs either side of it.
//!    Meanwhile the integrated tree size is sampled every 5 ms: commit-to-integrated
//!    latency (from the entry's `occurred_at`, so it errs long) and the sequencer's rate.
//! 2. `appends`: the log alone, 50 connections appending as fast as they can.
//! 3. `big`: `EHEALTH_BENCH_LOG_ENTRIES` (10^6) entries inserted in bulk, integrated by
//!    the sequencer (entries/s), then `ehealth audit verify --full` and incremental.
//!
//! 4. `reads`: the app's reads (`GET /v1/app/consents`, `/access-records`, `/me`) by the
//!    same 50 patients, against `pgbench -S -M prepared` at 8 clients (issue 15), then
//!    each at half its saturated rate for its p99.
//!
//! Where PostgreSQL preloads `pg_stat_statements` the statements per request are printed
//! for the first round of each load.
//!
//! `EHEALTH_BENCH_PARTS=http,reads,appends,big` chooses the parts.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod figures;
mod http;
mod log;
mod pg;
#[path = "../support/setup.rs"]
mod setup;
mod statements;
#[path = "../support/mod.rs"]
mod support;

use std::time::Duration;

use chrono::Utc;
use ehealth_core::db::{audit_tree, Backend};
use ehealth_core::ids::ProviderId;
use ehealth_core::testing::{self, Start, TestDb};

use figures::Settings;
use http::CLIENTS;
use support::figures::{self as load_figures, median, Load};

/// What the rounds measured, for the closing table.
#[derive(Default)]
struct Summary {
    tpcb: Vec<f64>,
    views: Vec<Load>,
    view_ratios: Vec<f64>,
    consents: Vec<Load>,
    consent_ratios: Vec<f64>,
    lag: Option<(f64, f64)>,
    appends: Option<(f64, f64)>,
    reads: Vec<Read>,
}

/// One app read path's rounds: saturated, then paced at half that rate.
struct Read {
    path: &'static str,
    select_only: Vec<f64>,
    saturated: Vec<Load>,
    ratios: Vec<f64>,
    half: Vec<Load>,
}

/// The app's reads a patient's opening of the app makes (issue 15).
const READ_PATHS: [&str; 3] = ["/v1/app/consents", "/v1/app/access-records", "/v1/app/me"];

fn wait_integrated(db: &TestDb) {
    let mut conn = db.conn();
    for _ in 0..200 {
        if audit_tree::pending_count(&mut conn).expect("pending") == 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    println!("(entries still pending after 10 s)");
}

fn http_part(db: &TestDb, s: &Settings, out: &mut Summary) -> http::Process {
    let clinic = ProviderId::from_serial(1001).expect("clinic id");
    let patients = http::seed(db, &clinic);
    let sequencer = http::start_sequencer(&db.url);
    let (api, base) = http::start_api(&db.url);
    let (rt, client) = support::api::runtime_and_client(CLIENTS);
    let token = rt.block_on(http::sign_in_doctor(&client, &base, &clinic));
    let watch = pg::TreeWatch::start(&db.url);
    let since = Utc::now();
    // Warm-up: the api opens its pool's connections on demand.
    rt.block_on(http::load(
        &client,
        http::record_views(&base, &token, &patients),
        2,
    ));
    out.tpcb.push(pg::tpcb(&db.url, s.seconds));
    let mut statements = statements::Statements::open(&db.url);
    // The reads first, while each patient has the few consents of a real one (the
    // consent-change load below adds a history row per change).
    if s.runs("reads") {
        for path in READ_PATHS {
            let read = reads(&rt, &client, db, s, &base, path, &patients, &mut statements);
            out.reads.push(read);
        }
    }
    let rounds = if s.runs("http") { s.rounds } else { 0 };
    for r in 0..rounds {
        statements.reset();
        let views = rt.block_on(http::load(
            &client,
            http::record_views(&base, &token, &patients),
            s.seconds,
        ));
        if r == 0 {
            statements.report("record view", views.latencies.len());
        }
        statements.reset();
        let consents = rt.block_on(http::load(
            &client,
            http::consent_changes(&base, &clinic, &patients),
            s.seconds,
        ));
        if r == 0 {
            statements.report("consent change", consents.latencies.len());
        }
        out.tpcb.push(pg::tpcb(&db.url, s.seconds));
        let floor = (out.tpcb[r] + out.tpcb[r + 1]) / 2.0;
        println!(
            "round {}: TPC-B {:.0} / {:.0} tps",
            r + 1,
            out.tpcb[r],
            out.tpcb[r + 1]
        );
        println!(
            "  {}  ratio {:.2}",
            views.line("record views", CLIENTS),
            views.rate() / floor
        );
        println!(
            "  {}  ratio {:.2}",
            consents.line("consent changes", CLIENTS),
            consents.rate() / floor
        );
        out.view_ratios.push(views.rate() / floor);
        out.consent_ratios.push(consents.rate() / floor);
        out.views.push(views);
        out.consents.push(consents);
    }
    drop(api);
    wait_integrated(db);
    let samples = watch.finish();
    let (lags, unseen) = pg::integration_lags(&mut db.conn(), &samples, since);
    println!(
        "{}",
        pg::lag_line("commit->integrated (api load)", &lags, unseen)
    );
    println!(
        "sequencer under api load: peak {} entries integrated in one second",
        pg::peak_rate(&samples)
    );
    out.lag = Some((
        load_figures::percentile_ms(&lags, 0.5),
        load_figures::percentile_ms(&lags, 0.99),
    ));
    sequencer
}

/// `path` read by every patient at once, between `pgbench -S` runs, then at half the
/// saturated rate for its p99.
#[allow(clippy::too_many_arguments)]
fn reads(
    rt: &tokio::runtime::Runtime,
    client: &reqwest::Client,
    db: &TestDb,
    s: &Settings,
    base: &str,
    path: &'static str,
    patients: &[http::Patient],
    statements: &mut statements::Statements,
) -> Read {
    let calls = || http::app_reads(base, path, patients);
    let mut read = Read {
        path,
        select_only: vec![pg::select_only(&db.url, s.seconds)],
        saturated: Vec::new(),
        ratios: Vec::new(),
        half: Vec::new(),
    };
    for r in 0..s.rounds {
        statements.reset();
        let load = rt.block_on(http::load(client, calls(), s.seconds));
        if r == 0 {
            statements.report(path, load.latencies.len());
        }
        read.select_only.push(pg::select_only(&db.url, s.seconds));
        let floor = (read.select_only[r] + read.select_only[r + 1]) / 2.0;
        let half = rt.block_on(http::paced_load(
            client,
            calls(),
            s.seconds,
            Some(load.rate() / 2.0),
        ));
        println!(
            "round {}: pgbench -S {:.0} / {:.0} tps\n  {}  ratio {:.2}\n  {}",
            r + 1,
            read.select_only[r],
            read.select_only[r + 1],
            load.line(path, CLIENTS),
            load.rate() / floor,
            half.line("  at half that rate", CLIENTS),
        );
        read.ratios.push(load.rate() / floor);
        read.saturated.push(load);
        read.half.push(half);
    }
    read
}

fn appends_part(db: &TestDb, s: &Settings, out: &mut Summary) {
    let watch = pg::TreeWatch::start(&db.url);
    let since = Utc::now();
    let load = log::appends(&db.url, CLIENTS, s.seconds);
    wait_integrated(db);
    let samples = watch.finish();
    let (lags, unseen) = pg::integration_lags(&mut db.conn(), &samples, since);
    println!("{}", load.line("log appends alone", CLIENTS));
    println!(
        "{}",
        pg::lag_line("commit->integrated (appends)", &lags, unseen)
    );
    println!(
        "sequencer under append load: peak {} entries integrated in one second",
        pg::peak_rate(&samples)
    );
    out.appends = Some((load.rate(), load.p(0.99)));
}

fn print_summary(s: &Settings, out: &Summary) {
    let tpcb = median(&out.tpcb);
    println!(
        "\n== issue 12: median of {} rounds, PostgreSQL, release, same run ==",
        s.rounds
    );
    println!(
        "pgbench TPC-B, 8 clients: {tpcb:.0} tps (runs: {:?})",
        out.tpcb.iter().map(|t| t.round()).collect::<Vec<_>>()
    );
    for (what, loads, ratios) in [
        ("record views", &out.views, &out.view_ratios),
        ("consent changes", &out.consents, &out.consent_ratios),
    ] {
        if loads.is_empty() {
            continue;
        }
        let rates: Vec<f64> = loads.iter().map(Load::rate).collect();
        let p50: Vec<f64> = loads.iter().map(|l| l.p(0.5)).collect();
        let p99: Vec<f64> = loads.iter().map(|l| l.p(0.99)).collect();
        println!(
            "{what:<16} {CLIENTS} clients: {:>7.1}/s  p50 {:>6.1} ms  p99 {:>6.1} ms  ratio to TPC-B {:.2} (goal >= 0.6, p99 <= 50 ms)",
            median(&rates),
            median(&p50),
            median(&p99),
            median(ratios)
        );
    }
    for read in &out.reads {
        let rates: Vec<f64> = read.saturated.iter().map(Load::rate).collect();
        let p99: Vec<f64> = read.saturated.iter().map(|l| l.p(0.99)).collect();
        let half_p99: Vec<f64> = read.half.iter().map(|l| l.p(0.99)).collect();
        println!(
            "{:<24} {CLIENTS} clients: {:>7.1}/s  p99 {:>6.1} ms; at half rate p99 {:>5.1} ms  ratio to pgbench -S ({:.0} tps) {:.2} (goal >= 0.5, p99 <= 10 ms at half)",
            read.path,
            median(&rates),
            median(&p99),
            median(&half_p99),
            median(&read.select_only),
            median(&read.ratios)
        );
    }
    if let Some((p50, p99)) = out.lag {
        println!("commit->integrated under api load: p50 {p50:.0} ms  p99 {p99:.0} ms (goal p99 <= 1000 ms)");
    }
    if let Some((rate, p99)) = out.appends {
        println!(
            "log appends alone {CLIENTS} clients: {rate:.0}/s p99 {p99:.1} ms, ratio to TPC-B {:.2}",
            rate / tpcb
        );
    }
}

fn main() {
    let s = Settings::from_env();
    let db =
        testing::open(Backend::Postgres, Start::Migrated).expect("PostgreSQL on 127.0.0.1:5432");
    println!(
        "issue 12 benchmark: parts {}, {} rounds of {} s, big log {} entries",
        s.parts, s.rounds, s.seconds, s.big
    );
    pg::init_tpcb(&db.url);
    let mut out = Summary::default();
    let mut sequencer = (s.runs("http") || s.runs("reads")).then(|| http_part(&db, &s, &mut out));
    if s.runs("appends") {
        if out.tpcb.is_empty() {
            out.tpcb.push(pg::tpcb(&db.url, s.seconds));
        }
        if sequencer.is_none() {
            sequencer = Some(http::start_sequencer(&db.url));
        }
        appends_part(&db, &s, &mut out);
    }
    // The big log's drain is timed alone: no other sequencer.
    drop(sequencer);
    print_summary(&s, &out);
    if s.runs("big") {
        log::big_log(&db, s.big);
    }
}
