//! SMS at national volume: a sign-in code overtakes a backlog of 10,000 access notices,
//! and the senders are a pool of numbers or a Twilio Messaging Service.

use std::time::Duration;

use chrono::Utc;
use diesel::sql_types::Timestamp;
use diesel::RunQueryDsl;
use ehealth_core::db::jobs::{self, NewJob};
use ehealth_core::db::{to_db, Backend, DbConn};
use serde_json::json;
use wiremock::MockServer;

use super::harness;
use super::sms::{configure, field, form, twilio, TwilioStandIn};
use crate::support::TestApp;

const NOTICES: usize = 10_000;
/// The senders' pace in these tests: texts a second.
const PACE: u32 = 20;
const CODE: &str = "482913";

/// 10,000 access notices waiting since a minute ago, inserted in one statement.
fn queue_notices(conn: &mut DbConn) {
    let payload = json!({"kind": "record_accessed", "destination": "+85290000000",
        "language": "en", "occurred_at": "2026-12-01T02:00:00+00:00",
        "facts": {"provider_name_en": "Harbour Clinic"}})
    .to_string();
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {NOTICES}) \
         INSERT INTO notification_jobs (id, job_type, channel, patient_id, dedupe_key, payload, \
           status, attempts, max_attempts, run_at, created_at, updated_at) \
         SELECT 'notice-' || i, 'record_accessed', 'sms', NULL, 'notice-' || i, '{payload}', \
           'pending', 0, 12, $1, $1, $1 FROM n"
    );
    let since = to_db(Utc::now() - chrono::Duration::minutes(1));
    let inserted = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(sql.replace("$1", "?1"))
            .bind::<Timestamp, _>(since)
            .execute(c),
        DbConn::Postgres(c) => diesel::sql_query(sql)
            .bind::<Timestamp, _>(since)
            .execute(c),
    };
    assert_eq!(inserted.expect("notices queued"), NOTICES);
}

fn code_job() -> NewJob {
    NewJob {
        job_type: "verification_code".into(),
        channel: "sms".into(),
        patient_id: None,
        dedupe_key: "code:applicant-1:sms".into(),
        payload: json!({"kind": "verification_code", "event_id": "applicant-1",
            "destination": "+85298765432", "language": "en",
            "occurred_at": "2026-12-01T02:00:00+00:00",
            "facts": {"code": CODE, "purpose": "sign_in"}}),
        max_attempts: 5,
    }
}

async fn bodies(server: &MockServer) -> Vec<String> {
    let requests = server.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .map(|r| field(&form(&r.body), "Body").to_owned())
        .collect()
}

/// The texts Twilio received once `done` holds for them.
async fn sent_when(
    server: &MockServer,
    what: &str,
    done: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let started = std::time::Instant::now();
    loop {
        let sent = bodies(server).await;
        if done(&sent) {
            return sent;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn a_sign_in_code_overtakes_10000_queued_notices(backend: Backend) {
    let server = twilio(TwilioStandIn::new(0).0).await;
    let base = server.uri();
    let Some(app) = TestApp::start_with(backend, |c| {
        configure(c, &base);
        c.notifier.sms_per_sender_per_sec = PACE;
    })
    .await
    else {
        return;
    };
    let mut conn = app.conn();
    queue_notices(&mut conn);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(ehealth_notifier::run(
        app.services.clone(),
        harness::fast_options(),
        stopped,
    ));
    // The worker is busy with the backlog...
    let before = sent_when(&server, "the first notices to go", |s| s.len() >= 3)
        .await
        .len();
    // ...when an applicant asks for a sign-in code.
    jobs::enqueue(&mut conn, &code_job(), Utc::now()).expect("code enqueued");
    let sent = sent_when(&server, "the code to reach Twilio", |s| {
        s.iter().any(|b| b.contains(CODE))
    })
    .await;
    let at = sent
        .iter()
        .position(|b| b.contains(CODE))
        .expect("code sent");
    let overtaken_by = at.saturating_sub(before);
    // At PACE texts a second, at most PACE texts before it means it was handed to
    // Twilio within a second of being enqueued, behind none of the backlog.
    assert!(
        overtaken_by <= PACE as usize,
        "{overtaken_by} notices went before the code"
    );
    eprintln!("{backend:?}: the code went after {overtaken_by} of {NOTICES} queued notices");
    // Stopped before the database goes, so no delivery in flight waits for it.
    let _ = stop.send(true);
    worker.await.expect("worker stopped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_sign_in_code_overtakes_10000_queued_notices() {
    a_sign_in_code_overtakes_10000_queued_notices(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_sign_in_code_overtakes_10000_queued_notices() {
    a_sign_in_code_overtakes_10000_queued_notices(Backend::Postgres).await;
}

/// Three texts through a pool of three numbers (paced at one a second each) or a
/// Messaging Service; returns the form fields Twilio received.
async fn three_texts(
    backend: Backend,
    adjust: fn(&mut ehealth_core::config::Config),
) -> Option<Vec<Vec<(String, String)>>> {
    let server = twilio(TwilioStandIn::new(0).0).await;
    let base = server.uri();
    let app = TestApp::start_with(backend, |c| {
        configure(c, &base);
        c.notifier.sms_per_sender_per_sec = 1;
        adjust(c);
    })
    .await?;
    let mut conn = app.conn();
    for i in 0..3 {
        let mut job = code_job();
        job.dedupe_key = format!("code:applicant-{i}:sms");
        jobs::enqueue(&mut conn, &job, Utc::now()).expect("enqueued");
    }
    let _worker = harness::start_worker(&app);
    harness::wait_for(Duration::from_secs(20), "three texts sent", || {
        jobs::with_status(&mut conn, jobs::DONE, 10)
            .expect("jobs")
            .len()
            == 3
    })
    .await;
    let requests = server.received_requests().await.expect("recorded");
    Some(requests.iter().map(|r| form(&r.body)).collect())
}

async fn a_pool_of_numbers_shares_the_texts(backend: Backend) {
    let Some(sent) = three_texts(backend, |c| {
        c.twilio.from_numbers = vec![
            "+85230000001".into(),
            "+85230000002".into(),
            "+85230000003".into(),
        ];
    })
    .await
    else {
        return;
    };
    let mut from: Vec<&str> = sent.iter().map(|f| field(f, "From")).collect();
    from.sort();
    assert_eq!(from, vec!["+85230000001", "+85230000002", "+85230000003"]);
}

async fn a_messaging_service_picks_the_sender(backend: Backend) {
    let Some(sent) = three_texts(backend, |c| {
        c.twilio.messaging_service_sid = Some("MG0123456789abcdef0123456789abcdef".into());
        c.twilio.messaging_service_senders = 3;
    })
    .await
    else {
        return;
    };
    assert_eq!(sent.len(), 3);
    for f in &sent {
        assert_eq!(
            field(f, "MessagingServiceSid"),
            "MG0123456789abcdef0123456789abcdef"
        );
        assert!(
            f.iter().all(|(k, _)| k != "From"),
            "Twilio picks the sender: {f:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_pool_of_numbers_shares_the_texts() {
    a_pool_of_numbers_shares_the_texts(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_pool_of_numbers_shares_the_texts() {
    a_pool_of_numbers_shares_the_texts(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_messaging_service_picks_the_sender() {
    a_messaging_service_picks_the_sender(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_messaging_service_picks_the_sender() {
    a_messaging_service_picks_the_sender(Backend::Postgres).await;
}
