//! The voice line and the server's memory under load (issue 15; a benchmark, not a test):
//! `cargo bench --bench ivr`.
//!
//! For each backend (`EHEALTH_BENCH_BACKENDS`, default `postgres,sqlite`; PostgreSQL on
//! 127.0.0.1:5432 as for the tests) it makes a fresh migrated database with 100 registered
//! patients (production Argon2id cost) and measures, against this build's release
//! `ehealth` in a separate process on loopback (`EHEALTH_BENCH_BIN` for another build):
//!
//! 1. `voice`: `ehealth ivr` under 100 concurrent realistic calls. Each caller follows the
//!    TwiML it is answered (language, eHR number, date of birth, access key, the menu:
//!    hear the accesses, give consent, goodbye; then Twilio's status callback and the next
//!    call), one key press every 2 s: about 50 webhooks/s. The callers start spread over
//!    one call's length (calls arrive evenly, as in a steady hour); after that ramp come
//!    `EHEALTH_BENCH_RUNS` (3) windows of `EHEALTH_BENCH_SECONDS` (20) each. Per kind of
//!    step p50/p99/max (medians of the windows), one production-cost Argon2id
//!    verification timed in this process in the same run, and the ivr's RSS
//!    (`/proc/<pid>/status`) before, at its peak and after.
//! 2. `saturation`: the same process, 100 callers back to back (identify once, then loop
//!    the menu), `EHEALTH_BENCH_RUNS` runs of 10 s: webhooks/s; on PostgreSQL, pgbench
//!    with the SQL of a plain step for comparison.
//! 3. `memory`: `ehealth serve` (api + ivr + notifier): RSS idle, through a soak of the
//!    realistic load (`EHEALTH_BENCH_SOAK` seconds, default 60; 600 for the 10-minute
//!    soak) sampled every 10 s, under the saturation load, and under 500 outsiders keying
//!    a wrong access key at once (each answer must be the wrong-key answer or "busy").
//!
//! `EHEALTH_BENCH_PARTS=voice,saturation,memory` chooses the parts. It ends with a table
//! of every goal: figure, goal, met or not.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod callers;
mod line;
mod memory;
mod report;
mod rss;
#[path = "../support/mod.rs"]
mod support;
mod voice;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use ehealth_core::actions::registration::{self, Particulars};
use ehealth_core::config::Config;
use ehealth_core::context::Services;
use ehealth_core::db::Backend;
use ehealth_core::domain::{Actor, ActorKind, NotificationMeans};
use ehealth_core::ids::ProviderId;
use ehealth_core::secret::{Argon2Cost, SecretHasher};
use ehealth_core::testing::{self, Start};

use callers::Patient;
use report::Goals;

#[path = "../support/setup.rs"]
mod setup;

/// Concurrent callers of the voice loads.
pub const CALLS: usize = 100;

/// How long and which parts, from `EHEALTH_BENCH_*`.
pub struct Settings {
    pub runs: usize,
    pub seconds: u64,
    pub soak: u64,
    parts: String,
    backends: String,
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

impl Settings {
    fn from_env() -> Self {
        let num = |name, default: u64| env_or(name, "").parse().unwrap_or(default).max(1);
        Self {
            runs: usize::try_from(num("EHEALTH_BENCH_RUNS", 3)).unwrap_or(3),
            seconds: num("EHEALTH_BENCH_SECONDS", 20),
            soak: num("EHEALTH_BENCH_SOAK", 60),
            parts: env_or("EHEALTH_BENCH_PARTS", "voice,saturation,memory"),
            backends: env_or("EHEALTH_BENCH_BACKENDS", "postgres,sqlite"),
        }
    }

    fn part(&self, name: &str) -> bool {
        self.parts.split(',').any(|p| p.trim() == name)
    }
}

/// The bench patients, registered at production Argon2 cost; the provider they consent to.
pub struct Seeded {
    pub patients: Vec<Arc<Patient>>,
    pub provider: String,
}

fn seed(url: &str) -> Seeded {
    let mut config = Config::default();
    config.database.url = url.to_owned();
    config.demo_on_first_start = false;
    let services = Services::start(config).expect("services");
    services.seed_demo().expect("demo");
    let office = Actor::new(ActorKind::Office, "bench");
    let mut conn = services.db.get().expect("conn");
    let patients = (0..CALLS)
        .map(|i| {
            // Callers key this date of birth; the voice line tells by SMS only.
            let particulars = Particulars {
                date_of_birth: NaiveDate::from_ymd_opt(1980, 1, 1).expect("date"),
                email: None,
                means: vec![NotificationMeans::Sms],
                ..setup::particulars(i)
            };
            let r = registration::register(
                &mut conn,
                &services.hasher,
                &particulars,
                None,
                &office,
                Utc::now(),
            )
            .expect("register");
            Arc::new(Patient {
                ehr: r.patient.ehr_number.as_str().to_owned(),
                key: r.access_key.expose().to_owned(),
            })
        })
        .collect();
    let provider = ProviderId::from_serial(1002).expect("id");
    Seeded {
        patients,
        provider: provider.as_str().to_owned(),
    }
}

/// A release `ehealth <command>` on the database, with the production defaults (pool
/// sizes, Argon2 pool) but the bench's signing token and free loopback ports.
pub struct Server {
    child: Child,
    pub ivr: String,
    pub api: String,
    _outbox: tempfile::TempDir,
}

impl Server {
    pub fn start(command: &str, url: &str) -> Self {
        let (ivr, api) = (free_addr(), free_addr());
        let outbox = tempfile::tempdir().expect("outbox");
        let child = Command::new(support::api::ehealth_bin())
            .arg(command)
            .current_dir(std::env::temp_dir())
            .env("DATABASE_URL", url)
            .env("EHEALTH_IVR_ADDR", &ivr)
            .env("EHEALTH_API_ADDR", &api)
            .env("EHEALTH_IVR_PUBLIC_URL", format!("http://{ivr}"))
            .env("EHEALTH_OUTBOX_DIR", outbox.path())
            .env("TWILIO_AUTH_TOKEN", line::TOKEN)
            .env("EHEALTH_DEMO", "0")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("run the release ehealth");
        let child = setup::listening(child, &ivr, command);
        Self {
            child,
            ivr: format!("http://{ivr}"),
            api: format!("http://{api}"),
            _outbox: outbox,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_addr() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    format!("127.0.0.1:{port}")
}

/// One production-cost Argon2id verification in this process: the median of 9, in ms.
fn argon2_verification_ms() -> f64 {
    let hasher =
        SecretHasher::new(Argon2Cost::default(), "bench-code-key".to_owned().into()).expect("h");
    let stored = hasher.hash("12345678").expect("hash");
    let times: Vec<f64> = (0..9)
        .map(|_| {
            let started = Instant::now();
            hasher.verify("87654321", &stored).expect("verify");
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    support::figures::median(&times)
}

fn main() {
    let settings = Settings::from_env();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut goals = Goals::default();
    for name in settings.backends.split(',').map(str::trim) {
        let backend = match name {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres,
            other => panic!("EHEALTH_BENCH_BACKENDS: unknown backend {other}"),
        };
        let db = testing::open(backend, Start::Migrated).expect("PostgreSQL on 127.0.0.1:5432");
        println!("\n=== {name} ===");
        let seeded = seed(&db.url);
        if settings.part("voice") || settings.part("saturation") {
            let server = Server::start("ivr", &db.url);
            std::thread::sleep(Duration::from_secs(2));
            if settings.part("voice") {
                let argon2 = argon2_verification_ms();
                println!("one production-cost Argon2id verification in the bench process: {argon2:.1} ms (median of 9)");
                rt.block_on(voice::realistic(
                    &settings, &server, &seeded, argon2, name, &mut goals,
                ));
            }
            if settings.part("saturation") {
                rt.block_on(voice::saturation(
                    &settings, &server, &seeded, &db.url, backend, name, &mut goals,
                ));
            }
        }
        if settings.part("memory") {
            rt.block_on(memory::run(&settings, &db.url, &seeded, name, &mut goals));
        }
    }
    goals.print();
}
