//! Whole `ehealth notifier` processes: one killed (SIGKILL) while it holds claimed jobs,
//! and two sharing one PostgreSQL queue of 10,000 jobs. The provider is the Twilio
//! stand-in, so "sent" means the provider received it; each message text carries its
//! own eHR number, so duplicates can be counted at the provider.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::prelude::*;
use ehealth_core::db::jobs::{self, NewJob};
use ehealth_core::db::schema::notification_jobs as nj;
use ehealth_core::db::{write_tx, DbConn};
use ehealth_core::ids::PatientId;
use ehealth_core::testing::{self, Start};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::json;
use wiremock::MockServer;

use super::harness::{self, SMS};
use super::sms::{twilio, TwilioStandIn, FROM, SID};

pub(crate) struct Notifier(pub(crate) Child);

impl Notifier {
    pub(crate) fn spawn(db_url: &str, twilio_base: &str, config: &Path) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_ehealth"))
            .arg("notifier")
            .env("DATABASE_URL", db_url)
            .env("EHEALTH_CONFIG", config)
            .env("EHEALTH_NOTIFIER_ADDR", "127.0.0.1:0")
            .env("EHEALTH_DEMO", "0")
            .env("TWILIO_ACCOUNT_SID", SID)
            .env("TWILIO_AUTH_TOKEN", "twilio-secret")
            .env("TWILIO_API_BASE", twilio_base)
            .env("TWILIO_FROM_NUMBER", FROM)
            .env("EHEALTH_SMS_PER_SENDER_PER_SEC", "0")
            .env("EHEALTH_NOTIFIER_BACKOFF_BASE_MS", "100")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ehealth notifier starts");
        Self(child)
    }

    fn sigkill(&mut self) {
        kill(Pid::from_raw(self.0.id() as i32), Signal::SIGKILL).expect("SIGKILL");
        let _ = self.0.wait();
    }
}

impl Drop for Notifier {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn config_file(dir: &Path, lease_secs: u64, batch: u32) -> std::path::PathBuf {
    let file = dir.join("ehealth.toml");
    let outbox = dir.join("outbox");
    std::fs::write(
        &file,
        format!(
            "[notifier]\nlease_secs = {lease_secs}\npoll_interval_ms = 20\nbatch_size = {batch}\n\
             outbox_dir = {:?}\n",
            outbox.display().to_string()
        ),
    )
    .expect("config file");
    file
}

pub(crate) fn count(conn: &mut DbConn, status: &str) -> i64 {
    nj::table
        .filter(nj::status.eq(status))
        .count()
        .get_result(conn)
        .expect("count")
}

/// Message texts received by the stand-in, and how often each.
pub(crate) async fn received(server: &MockServer) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for r in server.received_requests().await.unwrap_or_default() {
        let body = String::from_utf8_lossy(&r.body).into_owned();
        *seen.entry(body).or_insert(0) += 1;
    }
    seen
}

pub(crate) fn enqueue_many(conn: &mut DbConn, patient_id: &PatientId, n: usize) {
    write_tx(conn, |c| {
        for i in 0..n {
            let job = NewJob {
                job_type: "registration_completed".into(),
                channel: "sms".into(),
                patient_id: Some(patient_id.to_owned()),
                dedupe_key: format!("load-{i}:sms:{patient_id}"),
                payload: json!({"facts": {"ehr_number": format!("{i:012}")}}),
                max_attempts: 12,
            };
            jobs::enqueue(c, &job, Utc::now())?;
        }
        Ok(())
    })
    .expect("jobs enqueued");
}

both_backends! {
    async fn a_notifier_killed_while_holding_jobs_loses_none_of_them(app: TestApp) {
        let (responder, _) = TwilioStandIn::new(0);
        let server = MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::method("POST"))
            .respond_with(SlowTwilio(responder, Duration::from_millis(150)))
            .mount(&server)
            .await;
        let mut conn = app.conn();
        let patient = harness::patient(&mut conn, "en", SMS);
        const JOBS: usize = 40;
        enqueue_many(&mut conn, &patient.id, JOBS);
        let dir = tempfile::TempDir::new().expect("dir");
        let config = config_file(dir.path(), 5, 10);
        let mut first = Notifier::spawn(&app.db.url, &server.uri(), &config);
        harness::wait_for(Duration::from_secs(20), "the first notifier to start sending", || {
            count(&mut conn, jobs::RUNNING) > 0 && count(&mut conn, jobs::DONE) > 0
        }).await;
        first.sigkill();
        let orphaned = count(&mut conn, jobs::RUNNING);
        assert!(orphaned > 0, "the killed process held claimed jobs");
        let killed_at = Instant::now();
        let _second = Notifier::spawn(&app.db.url, &server.uri(), &config);
        harness::wait_for(Duration::from_secs(30), "the second notifier to finish", || {
            count(&mut conn, jobs::DONE) == JOBS as i64
        }).await;
        assert!(killed_at.elapsed() >= Duration::from_secs(4),
            "orphaned jobs wait for their lease to run out");
        let seen = received(&server).await;
        for i in 0..JOBS {
            let ehr = format!("{i:012}");
            assert!(seen.keys().any(|b| b.contains(&ehr)), "job {i} was never sent");
        }
        let duplicates: usize = seen.values().map(|n| n - 1).sum();
        eprintln!("crash test: {orphaned} jobs orphaned by SIGKILL, {duplicates} sent twice");
        assert!(duplicates as i64 <= orphaned,
            "only a job in flight at the kill can be sent twice ({duplicates} > {orphaned})");
    }
}

/// The Twilio stand-in, slowed down (by the given time per message) so that a worker is
/// stopped or killed with sends in flight.
pub(crate) struct SlowTwilio(pub(crate) TwilioStandIn, pub(crate) Duration);

impl wiremock::Respond for SlowTwilio {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        self.0.respond(request).set_delay(self.1)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_notifiers_on_postgres_deliver_10000_jobs_none_twice() {
    let Some(db) = testing::open(ehealth_core::db::Backend::Postgres, Start::Migrated) else {
        return;
    };
    let server = twilio(TwilioStandIn::new(0).0).await;
    let mut conn = db.conn();
    let patient = harness::patient(&mut conn, "en", SMS);
    const JOBS: usize = 10_000;
    enqueue_many(&mut conn, &patient.id, JOBS);
    let dir = tempfile::TempDir::new().expect("dir");
    let config = config_file(dir.path(), 60, 100);
    let started = Instant::now();
    let _a = Notifier::spawn(&db.url, &server.uri(), &config);
    let _b = Notifier::spawn(&db.url, &server.uri(), &config);
    harness::wait_for(Duration::from_secs(90), "10,000 jobs delivered", || {
        count(&mut conn, jobs::DONE) == JOBS as i64
    })
    .await;
    let took = started.elapsed();
    let seen = received(&server).await;
    assert_eq!(seen.len(), JOBS, "every job reached the provider");
    assert!(seen.values().all(|n| *n == 1), "no job was sent twice");
    let owners: Vec<Option<String>> = nj::table
        .select(nj::lease_owner)
        .load(&mut conn)
        .expect("owners");
    let workers: std::collections::HashSet<String> = owners
        .into_iter()
        .flatten()
        .filter_map(|o| o.split('/').next().map(str::to_owned))
        .collect();
    let retried: i64 = nj::table
        .filter(nj::attempts.ne(1))
        .count()
        .get_result(&mut conn)
        .expect("n");
    assert_eq!(retried, 0, "each job claimed exactly once");
    assert_eq!(
        workers.len(),
        2,
        "both processes took their share: {workers:?}"
    );
    eprintln!("two notifiers: {JOBS} jobs in {took:?}");
}
