//! Counter throughput (a benchmark, not a test): `cargo bench --bench hcp`.
//!
//! Needs PostgreSQL on 127.0.0.1:5432 (as the tests); cargo builds the release binary it
//! runs. Makes a fresh migrated database with the demo data and
//! `CLIENTS` registered patients (production Argon2 cost), each with consent for the demo
//! clinic and three shared records; starts the release `ehealth api` on it as a
//! separate process; signs the demo doctor in; then drives `CLIENTS` concurrent clients
//! over loopback for `SECONDS` each of:
//!   1. `POST /v1/hcp/record-views` (three types, a stated reason), each client its own
//!      patient;
//!   2. `POST /v1/hcp/consents/access-key` (renew, with the patient's access key).
//!
//! It prints requests/s, p50 and p99 of each, then runs `pgbench` with the SQL statements
//! each request runs (same order, simple protocol; no HTTP, no Argon2)
//! at the same database, `CLIENTS` clients for `SECONDS`, and prints the ratio of the
//! throughputs.
#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "support/setup.rs"]
mod setup;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use ehealth_core::actions::demo::{DEMO_PASSWORD, DEMO_TOTP_SECRET};
use ehealth_core::config::Config;
use ehealth_core::db::Backend;
use ehealth_core::ids::{PatientId, ProviderId};
use ehealth_core::testing::{self, Start};
use serde_json::json;

const CLIENTS: usize = 50;
const SECONDS: u64 = 10;
/// The api's loopback address: a port free when the benchmark starts.
fn addr() -> &'static str {
    static ADDR: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ADDR.get_or_init(|| {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        format!("127.0.0.1:{port}")
    })
}
/// Connections in the api's pool.
const POOL: usize = 32;

struct Patient {
    id: PatientId,
    ehr: String,
    key: String,
}

fn seed(config: Config, clinic: &ProviderId) -> Vec<Patient> {
    let (_, registered) = setup::demo_with_patients(config, clinic, CLIENTS);
    registered
        .into_iter()
        .map(|r| Patient {
            id: r.patient.id,
            ehr: r.patient.ehr_number,
            key: r.access_key.expose().to_owned(),
        })
        .collect()
}

fn start_api(database_url: &str) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_ehealth"))
        .arg("api")
        .env("DATABASE_URL", database_url)
        .env("EHEALTH_API_ADDR", addr())
        .env("EHEALTH_DEMO", "0")
        .env("EHEALTH_DATABASE_POOL_SIZE", POOL.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("run ehealth api");
    setup::listening(child, addr(), "api")
}

async fn sign_in(client: &reqwest::Client, clinic: &ProviderId) -> String {
    let code = mobile_bridge::totp::code_at(DEMO_TOTP_SECRET, Utc::now().timestamp() as u64)
        .expect("code");
    let body: serde_json::Value = client
        .post(format!("http://{}/v1/hcp/sessions", addr()))
        .json(&json!({ "hcp_id": clinic.as_str(), "username": "drchan", "password": DEMO_PASSWORD, "totp_code": code }))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    body["token"].as_str().expect("signed in").to_owned()
}

/// One client's loop: the request for its patient, again and again until `until`.
async fn client_loop(
    client: reqwest::Client,
    token: String,
    path: &'static str,
    body: serde_json::Value,
    until: Instant,
) -> Vec<Duration> {
    let mut times = Vec::new();
    while Instant::now() < until {
        let started = Instant::now();
        let r = client
            .post(format!("http://{}{path}", addr()))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .expect("sent");
        let status = r.status();
        let _ = r.bytes().await;
        assert!(status.is_success(), "{path}: {status}");
        times.push(started.elapsed());
    }
    times
}

// A rank between 0 and the sample count (q is a fraction); float-to-int `as` saturates.
#[allow(clippy::cast_possible_truncation)]
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn run(
    label: &str,
    client: &reqwest::Client,
    token: &str,
    path: &'static str,
    bodies: Vec<serde_json::Value>,
) -> f64 {
    let until = Instant::now() + Duration::from_secs(SECONDS);
    let started = Instant::now();
    let mut times = setup::clients(bodies.len(), |n| {
        let (client, token) = (client.clone(), token.to_owned());
        client_loop(client, token, path, bodies[n].clone(), until)
    })
    .await;
    let secs = started.elapsed().as_secs_f64();
    times.sort();
    let rps = times.len() as f64 / secs;
    println!(
        "{label:<28} {CLIENTS} clients {SECONDS} s: n={:>6}  {rps:>8.1} req/s  p50={:>7.2} ms  p99={:>7.2} ms",
        times.len(),
        percentile(&times, 0.50),
        percentile(&times, 0.99),
    );
    rps
}

/// The statements a record view runs (session, authorisation, facts, audit append,
/// records, notification jobs), in one transaction as the api runs them.
const RECORD_VIEW_SQL: &str = r"\set n :client_id % 50
SELECT patient_id, ehr FROM bench_map WHERE n = :n \gset
SELECT * FROM sessions WHERE token_hash = 'none' AND revoked_at IS NULL;
BEGIN;
SELECT * FROM accounts WHERE username = 'drchan';
SELECT * FROM providers WHERE id = '000010017';
SELECT * FROM patients WHERE ehr_number = ':ehr';
SELECT data_type FROM access_matrix WHERE profession = 'medical_practitioner';
SELECT data_type FROM data_type_policies WHERE restricted;
SELECT * FROM sharing_consents WHERE patient_id = ':patient_id' AND provider_id = '000010017' AND status = 'active';
SELECT data_types FROM approvals WHERE patient_id = ':patient_id' AND provider_id = '000010017' AND status = 'approved' AND expires_at > now();
INSERT INTO audit_log (seq, occurred_at, event, actor_kind, actor_id, provider_id, profession, patient_id, data_types, purpose, outcome, reason, details, prev_hash, hash) VALUES (nextval('audit_log_seq'), now(), 'record_view', 'hcprof', 'a', '000010017', 'medical_practitioner', ':patient_id', 'allergies_adrs', 'reason:bench', 'granted', 'granted', '{}', '', '');
INSERT INTO audit_pending (seq) VALUES (currval('audit_log_seq'));
SELECT * FROM shared_records WHERE patient_id = ':patient_id' AND data_type IN ('allergies_adrs', 'lab_radiology_reports', 'demographics') ORDER BY created_at, id;
SELECT EXISTS (SELECT 1 FROM app_devices WHERE patient_id = ':patient_id');
INSERT INTO notification_jobs (id, job_type, channel, patient_id, dedupe_key, payload, status, attempts, max_attempts, run_at, lease_owner, lease_until, last_error, provider_ref, created_at, updated_at, finished_at) VALUES (gen_random_uuid()::text, 'record_accessed', 'sms', ':patient_id', gen_random_uuid()::text, '{}', 'pending', 0, 12, now(), NULL, NULL, NULL, NULL, now(), now(), NULL) ON CONFLICT (dedupe_key) DO NOTHING;
INSERT INTO notification_jobs (id, job_type, channel, patient_id, dedupe_key, payload, status, attempts, max_attempts, run_at, lease_owner, lease_until, last_error, provider_ref, created_at, updated_at, finished_at) VALUES (gen_random_uuid()::text, 'record_accessed', 'email', ':patient_id', gen_random_uuid()::text, '{}', 'pending', 0, 12, now(), NULL, NULL, NULL, NULL, now(), now(), NULL) ON CONFLICT (dedupe_key) DO NOTHING;
INSERT INTO notifications (id, patient_id, kind, payload, created_at, read_at) VALUES (gen_random_uuid()::text, ':patient_id', 'record_accessed', '{}', now(), NULL);
COMMIT;
";

/// The statements an access-key renewal runs: the key check transaction, then the
/// consent transaction (supersede, insert, audit, notifications). The Argon2id
/// verification, the request's main cost, has no SQL equivalent and is left out.
const ACCESS_KEY_SQL: &str = r"\set n :client_id % 50
SELECT patient_id, ehr FROM bench_map WHERE n = :n \gset
SELECT * FROM sessions WHERE token_hash = 'none' AND revoked_at IS NULL;
SELECT * FROM accounts WHERE username = 'drchan';
SELECT * FROM providers WHERE id = '000010017';
BEGIN;
SELECT * FROM attempt_counters WHERE scope = 'keyguess:account:a';
SELECT * FROM attempt_counters WHERE scope = 'keyguess:provider:000010017';
SELECT * FROM patients WHERE ehr_number = ':ehr';
SELECT * FROM access_keys WHERE patient_id = ':patient_id' AND revoked_at IS NULL;
UPDATE access_keys SET failed_attempts = 0 WHERE patient_id = ':patient_id' AND revoked_at IS NULL;
INSERT INTO audit_log (seq, occurred_at, event, actor_kind, actor_id, provider_id, profession, patient_id, data_types, purpose, outcome, reason, details, prev_hash, hash) VALUES (nextval('audit_log_seq'), now(), 'access_key_attempt', 'hcprof', 'a', NULL, NULL, ':patient_id', '', NULL, 'succeeded', 'access_key_accepted', '{}', '', '');
INSERT INTO audit_pending (seq) VALUES (currval('audit_log_seq'));
COMMIT;
SELECT id FROM sharing_consents WHERE patient_id = ':patient_id' AND provider_id = '000010017' AND status = 'active' \gset old_
BEGIN;
SELECT * FROM patients WHERE id = ':patient_id';
SELECT * FROM providers WHERE id = '000010017';
SELECT * FROM sharing_consents WHERE patient_id = ':patient_id' AND provider_id = '000010017' AND status = 'active';
UPDATE sharing_consents SET status = 'superseded', ended_at = now() WHERE id = ':old_id';
INSERT INTO sharing_consents (id, patient_id, provider_id, consent_type, channel, actor_kind, actor_id, given_at, expires_at, status) VALUES (gen_random_uuid()::text, ':patient_id', '000010017', 'one_year', 'access_key', 'hcprof', 'a', now(), now() + interval '1 year', 'active');
INSERT INTO audit_log (seq, occurred_at, event, actor_kind, actor_id, provider_id, profession, patient_id, data_types, purpose, outcome, reason, details, prev_hash, hash) VALUES (nextval('audit_log_seq'), now(), 'consent_given', 'hcprof', 'a', '000010017', NULL, ':patient_id', '', NULL, 'succeeded', NULL, '{}', '', '');
INSERT INTO audit_pending (seq) VALUES (currval('audit_log_seq'));
SELECT EXISTS (SELECT 1 FROM app_devices WHERE patient_id = ':patient_id');
INSERT INTO notification_jobs (id, job_type, channel, patient_id, dedupe_key, payload, status, attempts, max_attempts, run_at, lease_owner, lease_until, last_error, provider_ref, created_at, updated_at, finished_at) VALUES (gen_random_uuid()::text, 'consent_given', 'sms', ':patient_id', gen_random_uuid()::text, '{}', 'pending', 0, 12, now(), NULL, NULL, NULL, NULL, now(), now(), NULL);
INSERT INTO notification_jobs (id, job_type, channel, patient_id, dedupe_key, payload, status, attempts, max_attempts, run_at, lease_owner, lease_until, last_error, provider_ref, created_at, updated_at, finished_at) VALUES (gen_random_uuid()::text, 'consent_given', 'email', ':patient_id', gen_random_uuid()::text, '{}', 'pending', 0, 12, now(), NULL, NULL, NULL, NULL, now(), now(), NULL);
INSERT INTO notifications (id, patient_id, kind, payload, created_at, read_at) VALUES (gen_random_uuid()::text, ':patient_id', 'consent_given', '{}', now(), NULL);
COMMIT;
";

fn pgbench(database_url: &str, name: &str, sql: &str, clients: usize) -> Option<f64> {
    let text =
        match setup::pgbench_script(database_url, &format!("hcp_{name}"), sql, clients, SECONDS) {
            Ok(text) => text,
            Err(e) => {
                println!("pgbench {name} failed: {e}");
                return None;
            }
        };
    for l in text
        .lines()
        .filter(|l| l.starts_with("latency") || l.starts_with("tps") || l.contains("failed"))
    {
        println!("  pgbench {name} ({clients} clients): {l}");
    }
    let tps = text.lines().find(|l| l.starts_with("tps"))?;
    tps.split('=')
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// pgbench's own TPC-B at 8 clients on the same database: the box's yardstick.
fn tpcb(database_url: &str) -> Option<f64> {
    let db = database_url
        .rsplit('/')
        .next()?
        .split('?')
        .next()?
        .to_owned();
    let run = |args: &[&str]| {
        Command::new("pgbench")
            .args(["-h", "127.0.0.1", "-U", "postgres"])
            .args(args)
            .arg(&db)
            .output()
            .ok()
    };
    run(&["-i", "-q", "-s", "1"])?;
    let out = run(&["-c", "8", "-j", "2", "-T", &SECONDS.to_string()])?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let tps = text.lines().find(|l| l.starts_with("tps"))?;
    tps.split('=')
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn bench_map(database_url: &str, patients: &[Patient]) {
    let values: Vec<String> = patients
        .iter()
        .enumerate()
        .map(|(n, p)| format!("({n}, '{}', '{}')", p.id, p.ehr))
        .collect();
    let sql = format!(
        "CREATE TABLE bench_map (n INTEGER PRIMARY KEY, patient_id TEXT, ehr TEXT); INSERT INTO bench_map VALUES {};",
        values.join(",")
    );
    let ok = Command::new("psql")
        .args([database_url, "-q", "-c", &sql])
        .status()
        .expect("psql")
        .success();
    assert!(ok, "bench_map");
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let db =
        testing::open(Backend::Postgres, Start::Migrated).expect("PostgreSQL on 127.0.0.1:5432");
    let mut config = Config::default();
    config.database.url = db.url.clone();
    config.demo_on_first_start = false;
    let clinic = ProviderId::from_serial(1001).expect("id");
    let patients = seed(config, &clinic);
    let mut server = start_api(&db.url);
    // The access log's sequencer beside the api, as in production (issue 12).
    let mut sequencer = Command::new(env!("CARGO_BIN_EXE_ehealth"))
        .args(["audit", "sequence"])
        .env("DATABASE_URL", &db.url)
        .env("EHEALTH_DEMO", "0")
        .stdout(Stdio::null())
        .spawn()
        .expect("run ehealth audit sequence");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .expect("client");
    let token = sign_in(&client, &clinic).await;

    let views = patients
        .iter()
        .map(|p| json!({ "ehr_number": p.ehr, "purpose": { "reason": "bench" }, "data_types": ["allergies_adrs", "lab_radiology_reports", "demographics"] }))
        .collect();
    let view_rps = run(
        "POST /v1/hcp/record-views",
        &client,
        &token,
        "/v1/hcp/record-views",
        views,
    )
    .await;
    let renewals = patients
        .iter()
        .map(|p| json!({ "ehr_number": p.ehr, "access_key": p.key, "action": "renew", "type": "one_year" }))
        .collect();
    let key_rps = run(
        "POST /v1/hcp/consents/access-key",
        &client,
        &token,
        "/v1/hcp/consents/access-key",
        renewals,
    )
    .await;
    let _ = server.kill();
    let _ = server.wait();
    let _ = sequencer.kill();
    let _ = sequencer.wait();
    if let Some(tps) = tpcb(&db.url) {
        println!(
            "pgbench TPC-B 8 clients {tps:.0} tps: record-views ratio {:.2}, access-key consents ratio {:.2}",
            view_rps / tps,
            key_rps / tps
        );
    }

    bench_map(&db.url, &patients);
    if let Some(tps) = pgbench(&db.url, "record_view", RECORD_VIEW_SQL, CLIENTS) {
        println!(
            "record-views: api {view_rps:.1} req/s vs bare SQL {tps:.1} tps: ratio {:.2}",
            view_rps / tps
        );
    }
    // The api holds at most POOL connections; the same number of bare clients shows how
    // much of the difference is contention for connections.
    if let Some(tps) = pgbench(&db.url, "record_view", RECORD_VIEW_SQL, POOL) {
        println!(
            "record-views: api {view_rps:.1} req/s vs bare SQL at {POOL} connections {tps:.1} tps: ratio {:.2}",
            view_rps / tps
        );
    }
    if let Some(tps) = pgbench(&db.url, "access_key", ACCESS_KEY_SQL, CLIENTS) {
        println!(
            "access-key consent: api {key_rps:.1} req/s vs bare SQL {tps:.1} tps: ratio {:.2}",
            key_rps / tps
        );
    }
}
