//! A release `ehealth` process (the api, the sequencer) on a benchmark's database, and
//! concurrent clients driving it over loopback.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use ehealth_core::actions::demo::{DEMO_PASSWORD, DEMO_TOTP_SECRET};
use ehealth_core::ids::ProviderId;
use serde_json::{json, Value};

use super::figures::Load;

/// Connections in the api's pool (`EHEALTH_DATABASE_POOL_SIZE`), as the capacity plan.
pub const POOL: usize = 32;
/// What the record views ask for (the demo doctor, a medical practitioner, may see them).
pub const DATA_TYPES: [&str; 3] = ["allergies_adrs", "lab_radiology_reports", "demographics"];

/// The clients' runtime (two threads, as the box's cores) and an HTTP client keeping a
/// connection per client.
pub fn runtime_and_client(clients: usize) -> (tokio::runtime::Runtime, reqwest::Client) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("client");
    (rt, client)
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

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
}

/// One request: where, as whom, with what body (none for a GET).
#[derive(Clone)]
pub struct Send {
    pub url: String,
    pub token: String,
    pub body: Option<Value>,
}

/// What one client sends again and again: its requests in turn.
#[derive(Clone)]
pub struct Call {
    pub method: Method,
    pub sends: Vec<Send>,
}

async fn send_once(client: &reqwest::Client, method: Method, send: &Send) -> Result<(), String> {
    let request = match method {
        Method::Get => client.get(&send.url),
        Method::Post => client.post(&send.url),
        Method::Put => client.put(&send.url),
    }
    .bearer_auth(&send.token);
    let request = match &send.body {
        Some(body) => request.json(body),
        None => request,
    };
    let r = request.send().await.map_err(|e| e.to_string())?;
    let status = r.status();
    let _ = r.bytes().await;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("{}: {status}", send.url))
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
        let send = &call.sends[n % call.sends.len()];
        n += 1;
        match send_once(&client, call.method, send).await {
            Ok(()) => times.push(started.elapsed()),
            Err(e) => {
                if failures == 0 {
                    eprintln!("{e}");
                }
                failures += 1;
            }
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
    let clients = calls.len();
    let every = rate.map(|r| Duration::from_secs_f64(clients as f64 / r.max(1.0)));
    let tasks: Vec<_> = calls
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            // Paced clients start spread over one interval, not in a burst.
            let offset = every.map(|e| e.mul_f64(i as f64 / clients as f64));
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
