//! Notifier benchmark (not a test): jobs per second end to end through the queue, from
//! `ehealth notifier` processes (release build) to a local Twilio stand-in on loopback,
//! for 1 and 2 workers on PostgreSQL and 1 on SQLite; the latency from an event's
//! transaction committing to its message reaching the provider (p50/p99); and, in the
//! same run, the bare cost of the queue's own SQL (claim + complete, no delivery).
//!
//! Run: `cargo bench --bench notifier` (PostgreSQL on 127.0.0.1:5432 as for the tests).
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use ehealth_core::db::jobs::{self, NewJob};
use ehealth_core::db::patients::{self, Patient};
use ehealth_core::db::schema::notification_jobs as nj;
use ehealth_core::db::{new_id, write_tx, Backend, DbConn};
use ehealth_core::ids::PatientId;
use ehealth_core::testing::{self, Start, TestDb};
use serde_json::json;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const THROUGHPUT_JOBS: usize = 5_000;
const LATENCY_JOBS: usize = 400;
const LATENCY_RATE_PER_SEC: u64 = 100;

/// The Twilio stand-in: answers 201 and notes when each message text arrived.
#[derive(Clone, Default)]
struct Arrivals(Arc<Mutex<HashMap<String, Instant>>>);

impl Respond for Arrivals {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body = String::from_utf8_lossy(&request.body);
        if let Some(tag) = body.split("BENCH").nth(1).and_then(|t| t.get(..8)) {
            self.0
                .lock()
                .unwrap()
                .entry(tag.to_owned())
                .or_insert_with(Instant::now);
        }
        ResponseTemplate::new(201).set_body_json(json!({"sid": "SM0"}))
    }
}

fn patient(conn: &mut DbConn) -> PatientId {
    let p = Patient {
        id: PatientId::generate(),
        ehr_number: "000000000000".into(),
        id_doc_type: ehealth_core::ids::IdentityDocumentKind::Hkic,
        id_doc_number: new_id(),
        id_doc_place: None,
        id_doc_key: new_id(),
        name_en: "BENCH Patient".into(),
        name_zh: None,
        date_of_birth: NaiveDate::from_ymd_opt(1980, 1, 2).unwrap(),
        sex: ehealth_core::domain::Sex::Female,
        mobile: "+85291234567".into(),
        email: None,
        postal_address: None,
        language: ehealth_core::domain::Language::English,
        notify_sms: true,
        notify_email: false,
        notify_post: false,
        status: ehealth_core::domain::PatientStatus::Registered,
        registered_at: Utc::now().naive_utc(),
        registered_by_provider: None,
        withdrawn_at: None,
    };
    patients::insert(conn, &p).unwrap();
    p.id
}

fn job(patient_id: &PatientId, i: usize) -> NewJob {
    NewJob {
        job_type: "registration_completed".into(),
        channel: "sms".into(),
        patient_id: Some(patient_id.to_owned()),
        dedupe_key: format!("bench-{i}"),
        payload: json!({"facts": {"ehr_number": format!("BENCH{i:08}")}}),
        max_attempts: 12,
    }
}

fn done(conn: &mut DbConn) -> i64 {
    nj::table
        .filter(nj::status.eq(jobs::DONE))
        .count()
        .get_result(conn)
        .unwrap()
}

struct Worker(Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_workers(n: usize, db: &TestDb, twilio: &str, dir: &Path) -> Vec<Worker> {
    let config = dir.join("ehealth.toml");
    std::fs::write(
        &config,
        format!(
            "[notifier]\npoll_interval_ms = 20\nbatch_size = 100\nlease_secs = 60\noutbox_dir = {:?}\n",
            dir.join("outbox").display().to_string()
        ),
    )
    .unwrap();
    (0..n)
        .map(|_| {
            let child = Command::new(env!("CARGO_BIN_EXE_ehealth"))
                .arg("notifier")
                .env("DATABASE_URL", &db.url)
                .env("EHEALTH_CONFIG", &config)
                .env("EHEALTH_NOTIFIER_ADDR", "127.0.0.1:0")
                .env("EHEALTH_DEMO", "0")
                .env("EHEALTH_DATABASE_POOL_SIZE", "16")
                .env("TWILIO_ACCOUNT_SID", "AC_bench")
                .env("TWILIO_AUTH_TOKEN", "secret")
                .env("TWILIO_API_BASE", twilio)
                .env("TWILIO_FROM_NUMBER", "+85230000000")
                .env("EHEALTH_SMS_PER_SENDER_PER_SEC", "0")
                .env("RUST_LOG", "error")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("target/release/ehealth");
            Worker(child)
        })
        .collect()
}

async fn stand_in() -> (MockServer, Arrivals) {
    let server = MockServer::start().await;
    let arrivals = Arrivals::default();
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(arrivals.clone())
        .mount(&server)
        .await;
    (server, arrivals)
}

/// Enqueues everything, then starts the workers and times until all are delivered.
async fn throughput(backend: Backend, workers: usize) -> Option<f64> {
    let db = testing::open(backend, Start::Migrated)?;
    let (server, _) = stand_in().await;
    let mut conn = db.conn();
    let pid = patient(&mut conn);
    write_tx(&mut conn, |c| {
        for i in 0..THROUGHPUT_JOBS {
            jobs::enqueue(c, &job(&pid, i), Utc::now())?;
        }
        Ok(())
    })
    .unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let started = Instant::now();
    let _w = spawn_workers(workers, &db, &server.uri(), dir.path());
    while done(&mut conn) < THROUGHPUT_JOBS as i64 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Some(THROUGHPUT_JOBS as f64 / started.elapsed().as_secs_f64())
}

/// Events committed one per transaction at a steady rate while the workers run; the
/// time from each commit to its message arriving at the provider.
async fn latency(backend: Backend, workers: usize) -> Option<(f64, f64)> {
    let db = testing::open(backend, Start::Migrated)?;
    let (server, arrivals) = stand_in().await;
    let mut conn = db.conn();
    let pid = patient(&mut conn);
    let dir = tempfile::TempDir::new().unwrap();
    let _w = spawn_workers(workers, &db, &server.uri(), dir.path());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut committed = HashMap::new();
    let gap = Duration::from_micros(1_000_000 / LATENCY_RATE_PER_SEC);
    for i in 0..LATENCY_JOBS {
        write_tx(&mut conn, |c| {
            Ok(jobs::enqueue(c, &job(&pid, i), Utc::now())?)
        })
        .unwrap();
        committed.insert(format!("{i:08}"), Instant::now());
        tokio::time::sleep(gap).await;
    }
    while done(&mut conn) < LATENCY_JOBS as i64 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let arrived = arrivals.0.lock().unwrap().clone();
    let mut ms: Vec<f64> = committed
        .iter()
        .filter_map(|(tag, at)| arrived.get(tag).map(|a| a.saturating_duration_since(*at)))
        .map(|d| d.as_secs_f64() * 1e3)
        .collect();
    ms.sort_by(f64::total_cmp);
    // A rank between 0 and the sample count; float-to-int `as` saturates.
    #[allow(clippy::cast_possible_truncation)]
    let pick = |q: f64| ms[((ms.len() as f64 * q) as usize).min(ms.len() - 1)];
    Some((pick(0.5), pick(0.99)))
}

/// The queue's own statements without any delivery, at the workers' concurrency:
/// claim 100, complete each in its own transaction (8 connections on PostgreSQL, one
/// writer on SQLite).
fn bare_sql(backend: Backend) -> Option<f64> {
    let db = testing::open(backend, Start::Migrated)?;
    let mut conn = db.conn();
    let pid = patient(&mut conn);
    write_tx(&mut conn, |c| {
        for i in 0..THROUGHPUT_JOBS {
            jobs::enqueue(c, &job(&pid, i), Utc::now())?;
        }
        Ok(())
    })
    .unwrap();
    drop(conn);
    let threads = if backend == Backend::Postgres { 8 } else { 1 };
    let started = Instant::now();
    std::thread::scope(|scope| {
        for t in 0..threads {
            let db = &db;
            scope.spawn(move || {
                let mut conn = db.conn();
                loop {
                    let batch = write_tx(&mut conn, |c| {
                        let lease = chrono::Duration::seconds(60);
                        Ok(jobs::claim(
                            c,
                            &format!("bare-{t}"),
                            100,
                            lease,
                            Utc::now(),
                        )?)
                    })
                    .unwrap();
                    if batch.is_empty() {
                        break;
                    }
                    for j in batch {
                        let owner = j.lease_owner.clone().unwrap_or_default();
                        write_tx(&mut conn, |c| {
                            Ok(jobs::complete(c, &j.id, &owner, Some("SM0"), Utc::now())?)
                        })
                        .unwrap();
                    }
                }
            });
        }
    });
    Some(THROUGHPUT_JOBS as f64 / started.elapsed().as_secs_f64())
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        println!("notifier benchmark: {THROUGHPUT_JOBS} jobs for throughput, {LATENCY_JOBS} at {LATENCY_RATE_PER_SEC}/s for latency");
        println!("{:<22} {:>12} {:>14} {:>10} {:>10} {:>10}", "scenario", "jobs/s", "bare SQL /s", "ratio", "p50 ms", "p99 ms");
        for (backend, workers) in [(Backend::Postgres, 1), (Backend::Postgres, 2), (Backend::Sqlite, 1)] {
            let name = format!("{} x{workers}", backend.name());
            let Some(rate) = throughput(backend, workers).await else {
                println!("{name:<22} (database not available)");
                continue;
            };
            let bare = bare_sql(backend).unwrap_or(f64::NAN);
            let (p50, p99) = latency(backend, workers).await.unwrap_or((f64::NAN, f64::NAN));
            println!("{name:<22} {rate:>12.0} {bare:>14.0} {:>10.2} {p50:>10.1} {p99:>10.1}", rate / bare);
        }
    });
}
