//! The api under load: a release `ehealth api` process and an `ehealth audit sequence`
//! process on the benchmark's database, driven over loopback from this process by
//! `CLIENTS` concurrent clients.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use ehealth_core::actions::demo::{DEMO_PASSWORD, DEMO_TOTP_SECRET};
use ehealth_core::db::sessions;
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
                "patient",
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

fn ehealth(url: &str, args: &[&str], pool: usize) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ehealth"));
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
    pub put: bool,
    pub url: String,
    pub token: String,
    /// Sent in turn, request after request.
    pub bodies: Vec<Value>,
}

async fn client_loop(
    client: reqwest::Client,
    call: Call,
    until: Instant,
) -> (Vec<Duration>, usize) {
    let (mut times, mut failures) = (Vec::new(), 0);
    let mut n = 0;
    while Instant::now() < until {
        let started = Instant::now();
        let request = if call.put {
            client.put(&call.url)
        } else {
            client.post(&call.url)
        };
        let body = &call.bodies[n % call.bodies.len()];
        n += 1;
        let ok = match request.bearer_auth(&call.token).json(body).send().await {
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

/// Each call from its own client, all at once, for `seconds`.
pub async fn load(client: &reqwest::Client, calls: Vec<Call>, seconds: u64) -> Load {
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = calls
        .into_iter()
        .map(|c| tokio::spawn(client_loop(client.clone(), c, until)))
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
            put: false,
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
            put: true,
            url: format!("{base}/v1/app/consents/{}", clinic.as_str()),
            token: p.app_token.clone(),
            bodies: vec![
                json!({ "type": "indefinite" }),
                json!({ "type": "one_year" }),
            ],
        })
        .collect()
}
