//! Voice-line webhook latency under load (a benchmark, not a test): `cargo bench --bench ivr`.
//!
//! Needs PostgreSQL on 127.0.0.1:5432 (as the tests) and a release build of the binary
//! (`cargo build --release`). It makes a fresh migrated database with `CALLS` registered
//! patients (production Argon2 cost), starts `target/release/ehealth ivr` on it as a
//! separate process, and drives `CALLS` concurrent simulated calls over loopback for
//! `SECONDS`: each identifies itself (eHR number, birth date, access key), then loops
//! "hear the latest accesses" and "give indefinite consent" until the time is up. Every
//! webhook is signed as Twilio signs it. It prints p50/p99 per kind of step, then runs
//! `pgbench` with the SQL a plain step costs (read the call row, write it back) at the
//! same database for comparison.
#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "support/setup.rs"]
mod setup;

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
use ehealth_core::testing::{self, Start};

const CALLS: usize = 100;
const SECONDS: u64 = 20;
const TOKEN: &str = "bench-twilio-token";
const ADDR: &str = "127.0.0.1:18981";

struct Patient {
    ehr: String,
    key: String,
}

fn seed(config: Config) -> Vec<Patient> {
    let services = Services::start(config).expect("services");
    services.seed_demo().expect("demo");
    let office = Actor::new(ActorKind::Office, "bench");
    let mut conn = services.db.get().expect("conn");
    (0..CALLS)
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
            Patient {
                ehr: r.patient.ehr_number.clone(),
                key: r.access_key.expose().to_owned(),
            }
        })
        .collect()
}

fn start_ivr(database_url: &str) -> Child {
    let child = Command::new("target/release/ehealth")
        .arg("ivr")
        .env("DATABASE_URL", database_url)
        .env("EHEALTH_IVR_ADDR", ADDR)
        .env("EHEALTH_IVR_PUBLIC_URL", format!("http://{ADDR}"))
        .env("TWILIO_AUTH_TOKEN", TOKEN)
        .env("EHEALTH_DEMO", "0")
        .env("EHEALTH_DATABASE_POOL_SIZE", "32")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("run target/release/ehealth (cargo build --release first)");
    setup::listening(child, ADDR, "ivr")
}

/// One simulated caller: returns (step kind, latency) of every webhook.
async fn caller(
    client: reqwest::Client,
    n: usize,
    patient: Arc<Patient>,
    provider: String,
    until: Instant,
) -> Vec<(&'static str, Duration)> {
    // The database is fresh each run, so the SID need only be unique within it.
    let sid = format!("CAbench{n:04}");
    let from = format!("+8529000{n:04}");
    let mut next = "/ivr/voice".to_owned();
    let mut out = Vec::new();
    let send = |digits: Option<String>, kind: &'static str, path: String| {
        let client = client.clone();
        let (sid, from) = (sid.clone(), from.clone());
        async move {
            let mut params = vec![("CallSid".to_owned(), sid), ("From".to_owned(), from)];
            if let Some(d) = digits {
                params.push(("Digits".to_owned(), d));
            }
            let url = format!("http://{ADDR}{path}");
            let signature = ehealth_ivr::signature::expected(TOKEN.as_bytes(), &url, &params);
            let started = Instant::now();
            let body = client
                .post(&url)
                .header("X-Twilio-Signature", signature)
                .form(&params)
                .send()
                .await
                .expect("sent")
                .text()
                .await
                .expect("body");
            let took = started.elapsed();
            assert!(!body.contains("something went wrong"), "{kind}: {body}");
            (kind, took, action(&body))
        }
    };
    let script: Vec<(Option<String>, &'static str)> = vec![
        (None, "call starts"),
        (Some("2".into()), "prompt"),
        (Some(patient.ehr.clone()), "prompt"),
        (Some("01011980".into()), "prompt"),
        (Some(patient.key.clone()), "identify (Argon2id)"),
    ];
    for (digits, kind) in script {
        let (k, t, a) = send(digits, kind, next.clone()).await;
        out.push((k, t));
        next = a.expect("a prompt");
    }
    while Instant::now() < until {
        for (digits, kind) in [
            ("4".to_owned(), "hear accesses"),
            ("1".to_owned(), "prompt"),
            (provider.clone(), "provider read back"),
            ("2".to_owned(), "prompt"),
            ("1".to_owned(), "consent written"),
        ] {
            let (k, t, a) = send(Some(digits), kind, next.clone()).await;
            out.push((k, t));
            next = a.expect("a prompt");
        }
    }
    out
}

fn action(twiml: &str) -> Option<String> {
    let start = twiml.find("action=\"")? + 8;
    let end = twiml[start..].find('"')? + start;
    let url = twiml[start..end].replace("&amp;", "&");
    Some(url.trim_start_matches(&format!("http://{ADDR}")).to_owned())
}

// A rank between 0 and the sample count (q is a fraction); float-to-int `as` saturates.
#[allow(clippy::cast_possible_truncation)]
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(label: &str, mut times: Vec<Duration>) -> f64 {
    times.sort();
    let p50 = percentile(&times, 0.50);
    println!(
        "{label:<22} n={:>6}  p50={p50:>7.2} ms  p99={:>7.2} ms  max={:>7.2} ms",
        times.len(),
        percentile(&times, 0.99),
        percentile(&times, 1.0)
    );
    p50
}

fn pgbench(database_url: &str) -> Option<f64> {
    let script = std::env::temp_dir().join("ivr_step.sql");
    std::fs::write(
        &script,
        "\\set n random(0, 99)\n\
         SELECT * FROM voice_calls WHERE call_sid = 'CAbench' || lpad(:n::text, 4, '0');\n\
         UPDATE voice_calls SET updated_at = now(), retries = retries WHERE call_sid = 'CAbench' || lpad(:n::text, 4, '0');\n",
    )
    .ok()?;
    let db = database_url.rsplit('/').next()?.split('?').next()?;
    let out = Command::new("pgbench")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-n",
            "-c",
            "50",
            "-j",
            "2",
            "-T",
            "10",
            "-f",
        ])
        .arg(&script)
        .arg(db)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let line = text.lines().find(|l| l.starts_with("latency average"))?;
    println!("pgbench (same SQL as a plain step, 50 clients, 10 s): {line}");
    if let Some(tps) = text.lines().find(|l| l.starts_with("tps")) {
        println!("  {tps}");
    }
    line.split('=')
        .nth(1)?
        .trim()
        .trim_end_matches(" ms")
        .parse()
        .ok()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let db =
        testing::open(Backend::Postgres, Start::Migrated).expect("PostgreSQL on 127.0.0.1:5432");
    let mut config = Config::default();
    config.database.url = db.url.clone();
    config.demo_on_first_start = false;
    let patients: Vec<Arc<Patient>> = seed(config).into_iter().map(Arc::new).collect();
    let provider = ProviderId::from_serial(1002)
        .expect("id")
        .as_str()
        .to_owned();
    let mut server = start_ivr(&db.url);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CALLS)
        .build()
        .expect("client");
    let until = Instant::now() + Duration::from_secs(SECONDS);
    let started = Instant::now();
    let tasks: Vec<_> = patients
        .iter()
        .enumerate()
        .map(|(n, p)| {
            tokio::spawn(caller(
                client.clone(),
                n,
                p.clone(),
                provider.clone(),
                until,
            ))
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("caller"));
    }
    let wall = started.elapsed().as_secs_f64();
    println!("\nivr webhooks: {CALLS} concurrent calls for {SECONDS} s against target/release/ehealth ivr on PostgreSQL");
    println!(
        "{} webhooks in {wall:.1} s = {:.0} webhooks/s",
        all.len(),
        all.len() as f64 / wall
    );
    let p50 = report("all webhooks", all.iter().map(|(_, t)| *t).collect());
    for kind in [
        "call starts",
        "prompt",
        "identify (Argon2id)",
        "hear accesses",
        "provider read back",
        "consent written",
    ] {
        report(
            kind,
            all.iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, t)| *t)
                .collect(),
        );
    }
    if let Some(bare) = pgbench(&db.url) {
        println!(
            "webhook p50 / bare SQL average latency = {:.1}x",
            p50 / bare
        );
    }
    let _ = server.kill();
    let _ = server.wait();
}
