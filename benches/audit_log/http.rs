//! The api under load: a release `ehealth api` process and an `ehealth audit sequence`
//! process on the benchmark's database, driven over loopback from this process by
//! `CLIENTS` concurrent clients.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use ehealth_core::actions::demo::{DEMO_PASSWORD, DEMO_TOTP_SECRET};
use ehealth_core::db::sessions;
use ehealth_core::domain::SessionSubject;
use ehealth_core::ids::ProviderId;
use ehealth_core::testing::TestDb;
use serde_json::{json, Value};

use crate::figures::Load;
use crate::setup::{self, DATA_TYPES};

pub const CLIENTS: usize = 50;
/// Connections in the api's pool (`EHEALTH_DATABASE_POOL_SIZE`), as the capacity plan.
pub const POOL: usize = 32;

/// One client's patient: registered at the clinic with a consent, three shared records
/// and a signed-in app session.
pub struct Patient {
    pub ehr: String,
    pub app_token: String,
}

/// The demo data and `CLIENTS` patients of the demo clinic.
pub fn seed(db: &TestDb, clinic: &ProviderId) -> Vec<Patient> {
    let (services, registered) = setup::demo_with_patients(db.config(), clinic, CLIENTS);
    let mut conn = services.db.get().expect("conn");
    let now = Utc::now();
    registered
        .into_iter()
        .map(|r| {
            let (_, app_token) = sessions::start(
                &mut conn,
                SessionSubject::Patient,
                &r.patient.id,
                chrono::Duration::hours(4),
                now,
            )
            .expect("session");
            Patient {
                ehr: r.patient.ehr_number,
                app_token,
            }
        })
        .collect()
}

/// A child process killed when dropped.
pub struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `ehealth` binary the processes run: this build's, or `EHEALTH_BENCH_BIN` (another
/// build's, for a before/after pair in one run of the same harness).
pub fn ehealth_bin() -> String {
    std::env::var("EHEALTH_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_ehealth").to_owned())
}

fn ehealth(url: &str, args: &[&str], pool: usize) -> Command {
    let mut c = Command::new(ehealth_bin());
    c.args(args)
        .current_dir(std::env::temp_dir())
        .env("DATABASE_URL", url)
        .env("EHEALTH_DEMO", "0")
        .env("EHEALTH_DATABASE_POOL_SIZE", pool.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null());
    c
}

/// `ehealth api` on a free loopback port; returns it and its base URL once it listens.
pub fn start_api(url: &str) -> (Process, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = ehealth(url, &["api"], POOL)
        .env("EHEALTH_API_ADDR", &addr)
        .spawn()
        .expect("run ehealth api");
    let process = Process(child);
    for _ in 0..300 {
        if std::net::TcpStream::connect(&addr).is_ok() {
            return (process, format!("http://{addr}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the api did not start on {addr}");
}

/// `ehealth audit sequence`: the sequencer as production runs it, in a process of its own.
pub fn start_sequencer(url: &str) -> Process {
    Process(
        ehealth(url, &["audit", "sequence"], 2)
            .spawn()
            .expect("run ehealth audit sequence"),
    )
}

/// The demo doctor's bearer token.
pub async fn sign_in_doctor(client: &reqwest::Client, base: &str, clinic: &ProviderId) -> String {
    let code = mobile_bridge::totp::code_at(DEMO_TOTP_SECRET, Utc::now().timestamp() as u64)
        .expect("code");
    let body: Value = client
        .post(format!("{base}/v1/hcp/sessions"))
        .json(&json!({ "hcp_id": clinic.as_str(), "username": "drchan",
                       "password": DEMO_PASSWORD, "totp_code": code }))
        .send()
        .await
        .expect("sign-in sent")
        .json()
        .await
        .expect("sign-in answer");
    body["token"].as_str().expect("signed in").to_owned()
}

/// One request a client sends again and again.
#[derive(Clone)]
pub struct Call {
    pub method: reqwest::Method,
    pub url: String,
    pub token: String,
    /// Sent in turn, request after request; none for a GET.
    pub bodies: Vec<Value>,
}

impl Call {
    fn request(&self, client: &reqwest::Client, n: usize) -> reqwest::RequestBuilder {
        let request = client
            .request(self.method.clone(), &self.url)
            .bearer_auth(&self.token);
        match self.bodies.len() {
            0 => request,
            len => request.json(&self.bodies[n % len]),
        }
    }
}

/// One client: requests back to back, or one every `every` (an open pace, so that a slow
/// answer does not lower the offered rate).
async fn client_loop(
    client: reqwest::Client,
    call: Call,
    until: Instant,
    every: Option<Duration>,
) -> (Vec<Duration>, usize) {
    let (mut times, mut failures) = (Vec::new(), 0);
    let mut n = 0;
    let mut next = Instant::now();
    while Instant::now() < until {
        if let Some(every) = every {
            tokio::time::sleep_until(next.into()).await;
            next += every;
        }
        let started = Instant::now();
        let request = call.request(&client, n);
        n += 1;
        let ok = match request.send().await {
            Ok(r) => {
                let status = r.status();
                let _ = r.bytes().await;
                if !status.is_success() && failures == 0 {
                    eprintln!("{}: {status}", call.url);
                }
                status.is_success()
            }
            Err(_) => false,
        };
        if ok {
            times.push(started.elapsed());
        } else {
            failures += 1;
        }
    }
    (times, failures)
}

/// Each call from its own client, all at once, for `seconds`, as fast as each answer
/// comes back.
pub async fn load(client: &reqwest::Client, calls: Vec<Call>, seconds: u64) -> Load {
    paced_load(client, calls, seconds, None).await
}

/// As `load`, at `rate` requests/s in all when given (spread evenly over the clients).
pub async fn paced_load(
    client: &reqwest::Client,
    calls: Vec<Call>,
    seconds: u64,
    rate: Option<f64>,
) -> Load {
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let every = rate.map(|r| Duration::from_secs_f64(calls.len() as f64 / r.max(1.0)));
    let tasks: Vec<_> = calls
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            // Clients start spread over one interval, not in a burst.
            let offset = every.map(|e| e.mul_f64(i as f64 / CLIENTS as f64));
            let client = client.clone();
            tokio::spawn(async move {
                if let Some(o) = offset {
                    tokio::time::sleep(o).await;
                }
                client_loop(client, c, until, every).await
            })
        })
        .collect();
    let (mut times, mut failures) = (Vec::new(), 0);
    for t in tasks {
        let (l, f) = t.await.expect("client task");
        times.extend(l);
        failures += f;
    }
    Load::new(times, failures, started.elapsed())
}

pub fn record_views(base: &str, token: &str, patients: &[Patient]) -> Vec<Call> {
    patients
        .iter()
        .map(|p| Call {
            method: reqwest::Method::POST,
            url: format!("{base}/v1/hcp/record-views"),
            token: token.to_owned(),
            bodies: vec![
                json!({ "ehr_number": p.ehr, "purpose": { "reason": "bench" },
                                 "data_types": DATA_TYPES }),
            ],
        })
        .collect()
}

/// Each patient changes their own consent for the clinic, one year and indefinite in turn.
pub fn consent_changes(base: &str, clinic: &ProviderId, patients: &[Patient]) -> Vec<Call> {
    patients
        .iter()
        .map(|p| Call {
            method: reqwest::Method::PUT,
            url: format!("{base}/v1/app/consents/{}", clinic.as_str()),
            token: p.app_token.clone(),
            bodies: vec![
                json!({ "type": "indefinite" }),
                json!({ "type": "one_year" }),
            ],
        })
        .collect()
}

/// Each patient reads their own `path` of the app (`/v1/app/consents`, ...).
pub fn app_reads(base: &str, path: &str, patients: &[Patient]) -> Vec<Call> {
    patients
        .iter()
        .map(|p| Call {
            method: reqwest::Method::GET,
            url: format!("{base}{path}"),
            token: p.app_token.clone(),
            bodies: Vec::new(),
        })
        .collect()
}
