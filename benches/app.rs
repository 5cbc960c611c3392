//! Latency of the patient app's sign-in (code -> session) and consent change, at 50
//! concurrent clients, against `target/release/ehealth api` in a second process, on SQLite
//! and PostgreSQL; and, for PostgreSQL, the bare cost of the same SQL with pgbench.
//!
//! Run: `cargo bench --bench app` (it builds and runs the release binary).
//! Not a test: it prints figures.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use ehealth_core::actions::registration::{self, Particulars};
use ehealth_core::context::Services;
use ehealth_core::db::one_time_codes::{self, OneTimeCodeRecord};
use ehealth_core::db::{new_id, sessions, to_db, write_tx, Backend};
use ehealth_core::domain::{Actor, ActorKind, Language, NotificationMeans, Sex};
use ehealth_core::ids::{IdentityDocument, ProviderId};
use ehealth_core::testing::{self, Start, TestDb};

const CLIENTS: usize = 50;
const PATIENTS: usize = 300;
const REQUESTS: usize = 3_000;
const CODE: &str = "123456";
const CODE_KEY: &str = "bench-code-key-0123456789abcdef0123456789";

struct Prepared {
    challenges: Vec<String>,
    tokens: Vec<String>,
    patient_ids: Vec<ehealth_core::ids::PatientId>,
}

fn prepare(db: &TestDb) -> Prepared {
    let mut config = db.config();
    config.security.code_key = CODE_KEY.to_owned().into();
    let services = Services::start(config).unwrap();
    services.seed_demo().unwrap();
    let mut conn = services.db.get().unwrap();
    let office = Actor::new(ActorKind::Office, "bench");
    let (mut patient_ids, mut tokens, mut challenges) = (Vec::new(), Vec::new(), Vec::new());
    let now = Utc::now();
    for i in 0..PATIENTS {
        let p = Particulars {
            document: IdentityDocument::parse("passport", &format!("B{i:07}"), Some("GB")).unwrap(),
            name_en: ehealth_core::domain::PersonName::parse_english(&format!(
                "BENCH, Patient {i}"
            ))
            .unwrap(),
            name_zh: None,
            date_of_birth: NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(),
            sex: Sex::Female,
            mobile: ehealth_core::domain::MobileNumber::parse(&format!("+8526{i:07}")).unwrap(),
            email: None,
            postal_address: None,
            language: Language::English,
            means: vec![NotificationMeans::Sms],
        };
        let registered =
            registration::register(&mut conn, &services.hasher, &p, None, &office, now).unwrap();
        let id = registered.patient.id;
        let (_, token) = sessions::start(
            &mut conn,
            ehealth_core::domain::SessionSubject::Patient,
            id.as_str(),
            chrono::Duration::hours(2),
            now,
        )
        .unwrap();
        tokens.push(token);
        patient_ids.push(id);
    }
    // Challenges as `POST /sessions/otp` leaves them (bypassing its resend throttle).
    write_tx(&mut conn, |c| {
        for n in 0..REQUESTS {
            let pid = &patient_ids[n % PATIENTS];
            let record = OneTimeCodeRecord {
                id: new_id(),
                purpose: ehealth_core::domain::CodePurpose::PatientSignIn,
                subject_id: pid.to_string(),
                destination: "+85260000000".into(),
                code_hash: services
                    .hasher
                    .code_digest(&format!("sign_in_patient:{pid}"), CODE),
                attempts: 0,
                created_at: to_db(now),
                expires_at: to_db(now + chrono::Duration::hours(1)),
                consumed_at: None,
            };
            one_time_codes::insert(c, &record)?;
            challenges.push(record.id);
        }
        Ok(())
    })
    .unwrap();
    Prepared {
        challenges,
        tokens,
        patient_ids,
    }
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(url: &str) -> (Server, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_ehealth"))
        .arg("api")
        .env("DATABASE_URL", url)
        .env("EHEALTH_API_ADDR", format!("127.0.0.1:{port}"))
        .env("EHEALTH_CODE_KEY", CODE_KEY)
        .env("EHEALTH_DEMO", "0")
        .env("EHEALTH_DATABASE_POOL_SIZE", "16")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run ehealth api");
    (Server(child), format!("http://127.0.0.1:{port}"))
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..200 {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await {
            if r.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the api did not become ready");
}

/// Runs `REQUESTS` requests from `CLIENTS` concurrent clients; returns each latency.
async fn load<F, Fut>(make: F) -> (Vec<Duration>, Duration, usize)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let make = Arc::new(make);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (make, next) = (make.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            let mut failures = 0;
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= REQUESTS {
                    return (out, failures);
                }
                let t = Instant::now();
                if !make(n).await {
                    failures += 1;
                }
                out.push(t.elapsed());
            }
        }));
    }
    let (mut all, mut failures) = (Vec::new(), 0);
    for t in tasks {
        let (l, f) = t.await.unwrap();
        all.extend(l);
        failures += f;
    }
    let wall = started.elapsed();
    all.sort();
    (all, wall, failures)
}

// A rank between 0 and the sample count (q is a fraction); float-to-int `as` saturates.
#[allow(clippy::cast_possible_truncation)]
fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(backend: &str, what: &str, (lat, wall, failures): &(Vec<Duration>, Duration, usize)) {
    println!(
        "{backend:8} {what:24} n={:5} failures={failures:3} p50={:7.2} ms  p99={:7.2} ms  {:7.0} req/s",
        lat.len(),
        pct(lat, 0.50),
        pct(lat, 0.99),
        lat.len() as f64 / wall.as_secs_f64()
    );
}

async fn run_http(backend: Backend, db: &TestDb, prepared: Prepared) {
    let (_server, base) = start_server(&db.url);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    wait_ready(&client, &base).await;
    let name = backend.name();
    let (c, b) = (client.clone(), base.clone());
    let challenges = Arc::new(prepared.challenges);
    let sign_in = load(move |n| {
        let (c, b, ch) = (c.clone(), b.clone(), challenges.clone());
        async move {
            let body = serde_json::json!({ "challenge_id": ch[n], "code": CODE });
            let r = c
                .post(format!("{b}/v1/app/sessions/otp/verify"))
                .json(&body)
                .send()
                .await;
            r.is_ok_and(|r| r.status() == 201)
        }
    })
    .await;
    report(name, "sign-in (code)", &sign_in);
    let clinic = ProviderId::from_serial(1001).unwrap().as_str().to_owned();
    let tokens = Arc::new(prepared.tokens);
    let (c, b) = (client.clone(), base.clone());
    let consent = load(move |n| {
        let (c, b, t, clinic) = (c.clone(), b.clone(), tokens.clone(), clinic.clone());
        async move {
            let kind = if (n / PATIENTS).is_multiple_of(2) {
                "one_year"
            } else {
                "indefinite"
            };
            let r = c
                .put(format!("{b}/v1/app/consents/{clinic}"))
                .bearer_auth(&t[n % PATIENTS])
                .json(&serde_json::json!({ "type": kind }))
                .send()
                .await;
            r.is_ok_and(|r| r.status() == 200)
        }
    })
    .await;
    report(name, "consent change", &consent);
    let _ = prepared.patient_ids;
}

/// pgbench over `script` for 10 s at `clients` connections (50 like the HTTP load, and 16,
/// the api's pool size); p50/p99 from its per-transaction log.
fn pgbench(url: &str, script_name: &str, what: &str, clients: &str) {
    let script = std::fs::read_to_string(format!(
        "{}/bench/app/{script_name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("script.sql");
    std::fs::write(&file, script).unwrap();
    let prefix = dir.path().join("log");
    let out = Command::new("pgbench")
        .args([
            "-n",
            "-M",
            "extended",
            "-c",
            clients,
            "-j",
            "2",
            "-T",
            "10",
            "--log",
            "--log-prefix",
        ])
        .arg(&prefix)
        .arg("-f")
        .arg(&file)
        .arg(url)
        .output()
        .expect("pgbench (apt-get install postgresql-client)");
    if !out.status.success() {
        println!("pgbench failed: {}", String::from_utf8_lossy(&out.stderr));
        return;
    }
    let mut lat: Vec<Duration> = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if !path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("log")
        {
            continue;
        }
        for line in std::fs::read_to_string(path).unwrap().lines() {
            if let Some(us) = line
                .split_whitespace()
                .nth(2)
                .and_then(|v| v.parse::<u64>().ok())
            {
                lat.push(Duration::from_micros(us));
            }
        }
    }
    lat.sort();
    report("postgres", what, &(lat, Duration::from_secs(10), 0));
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!("patient app latency: {CLIENTS} concurrent clients, {REQUESTS} requests per figure, api = target/release/ehealth");
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = testing::open(backend, Start::Migrated) else {
            println!("{}: not available, skipped", backend.name());
            continue;
        };
        let prepared = prepare(&db);
        rt.block_on(run_http(backend, &db, prepared));
        if backend == Backend::Postgres {
            for clients in ["50", "16"] {
                let what = |s: &str| format!("bare SQL {s} c={clients}");
                pgbench(&db.url, "sign_in.sql", &what("sign-in"), clients);
                pgbench(&db.url, "consent_change.sql", &what("consent"), clients);
            }
        }
    }
}
