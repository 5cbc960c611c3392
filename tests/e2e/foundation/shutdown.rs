//! Graceful shutdown as docs/operations.md ("Shutdown") promises it: a notifier stopped by
//! SIGTERM finishes the deliveries it has started and gives back, untried, the jobs it had
//! claimed but not started, so that another worker sends them at once (not after the
//! lease) and none twice; an api stopped by SIGTERM stops accepting but still answers the
//! request in flight.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use ehealth_core::db::jobs;
use ehealth_core::db::schema::notification_jobs as nj;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use wiremock::MockServer;

use crate::notifier::harness::{self, SMS};
use crate::notifier::processes::{
    config_file, count, enqueue_many, received, Notifier, SlowTwilio,
};
use crate::notifier::sms::TwilioStandIn;

const JOBS: usize = 40;
/// How long the provider takes per message: SIGTERM lands with sends in flight, and
/// delivering the whole batch (40 jobs, 8 at a time) would take five times as long.
const SEND_TAKES: Duration = Duration::from_secs(1);

fn sigterm(child: &Child) {
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).expect("SIGTERM");
}

async fn exit_within(child: &mut Child, limit: Duration) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(
            started.elapsed() < limit,
            "still running {limit:?} after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn first_message_arrives(server: &MockServer) {
    let started = Instant::now();
    while server
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no message reached the provider"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

both_backends! {
    async fn a_notifier_stopped_by_sigterm_releases_the_jobs_it_has_not_started(app: TestApp) {
        let server = MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::method("POST"))
            .respond_with(SlowTwilio(TwilioStandIn::new(0).0, SEND_TAKES))
            .mount(&server)
            .await;
        let mut conn = app.conn();
        let patient = harness::patient(&mut conn, "en", SMS);
        enqueue_many(&mut conn, &patient.id, JOBS);
        let dir = tempfile::TempDir::new().expect("dir");
        // A lease far longer than the test: a job left running would not come back in time.
        let config = config_file(dir.path(), 300, u32::try_from(JOBS).unwrap());
        let mut first = Notifier::spawn(&app.db.url, &server.uri(), &config);
        first_message_arrives(&server).await;
        assert_eq!(count(&mut conn, jobs::RUNNING), JOBS as i64, "one batch claimed all");

        sigterm(&first.0);
        let stopping = Instant::now();
        let status = exit_within(&mut first.0, Duration::from_secs(15)).await;
        let took = stopping.elapsed();
        assert!(status.success(), "exit status after SIGTERM: {status}");
        assert!(took < SEND_TAKES * 4, "stopping took {took:?}: the whole batch was sent");

        let sent: usize = received(&server).await.values().sum();
        let done = count(&mut conn, jobs::DONE);
        assert!((1..JOBS).contains(&sent), "{sent} of {JOBS} sent before stopping");
        assert_eq!(done, sent as i64, "every delivery in flight finished, as done");
        assert_eq!(count(&mut conn, jobs::RUNNING), 0, "no job left to wait for its lease");
        assert_eq!(count(&mut conn, jobs::PENDING), (JOBS - sent) as i64);
        let not_clean: i64 = nj::table
            .filter(nj::status.eq(jobs::PENDING))
            .filter(nj::lease_until.is_not_null().or(nj::attempts.ne(0)))
            .count()
            .get_result(&mut conn)
            .expect("count");
        assert_eq!(not_clean, 0, "released jobs have no lease and no attempt counted");
        eprintln!("SIGTERM: stopped in {took:?}, {sent} delivered, {} released", JOBS - sent);

        // Within 30 s although the lease is 300 s: the released jobs did not wait for it.
        let _second = Notifier::spawn(&app.db.url, &server.uri(), &config);
        harness::wait_for(Duration::from_secs(30), "the second notifier to send the rest", || {
            count(&mut conn, jobs::DONE) == JOBS as i64
        })
        .await;
        let seen = received(&server).await;
        assert_eq!(seen.len(), JOBS, "every job reached the provider");
        assert!(seen.values().all(|n| *n == 1), "no job was sent twice");
    }
}

/// Kills the process if the test fails before it has stopped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `ehealth api` on SQLite; returns the process and its address from the banner.
fn start_api(dir: &std::path::Path) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ehealth"))
        .arg("api")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("e.db").display()),
        )
        .env("EHEALTH_API_ADDR", "127.0.0.1:0")
        .env("EHEALTH_DEMO", "0")
        .env_remove("EHEALTH_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ehealth api");
    let stdout = child.stdout.take().expect("stdout");
    let running = Running(child);
    let addr = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| {
            let url = l
                .trim()
                .strip_prefix("api")?
                .split_whitespace()
                .next()?
                .to_owned();
            url.strip_prefix("http://").map(str::to_owned)
        })
        .expect("the api's address in the banner");
    (running, addr)
}

/// A request whose body is still arriving when SIGTERM comes is answered, new
/// connections are refused meanwhile, and the process then exits 0.
#[tokio::test]
async fn an_api_stopped_by_sigterm_answers_the_request_in_flight() {
    let dir = tempfile::TempDir::new().expect("dir");
    let (mut api, addr) = start_api(dir.path());
    let body = r#"{"hcp_id":"1","username":"drchan","password":"x","totp_code":"000000"}"#;
    let mut s = TcpStream::connect(&addr).expect("connect");
    write!(
        s,
        "POST /v1/hcp/sessions HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .expect("send the first part");
    std::thread::sleep(Duration::from_millis(300));

    sigterm(&api.0);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        TcpStream::connect(&addr).is_err(),
        "a stopping server accepts no new connection"
    );
    s.write_all(&body.as_bytes()[10..]).expect("send the rest");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("read the answer");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains(r#""code":"invalid_input""#), "{answer}");
    let status = exit_within(&mut api.0, Duration::from_secs(10)).await;
    assert!(status.success(), "exit status after SIGTERM: {status}");
}
