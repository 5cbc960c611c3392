//! On PostgreSQL an idle worker is woken by the enqueue itself (LISTEN/NOTIFY), not by
//! its poll interval; on SQLite it polls.

use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use ehealth_core::db::{jobs, patients};
use ehealth_core::domain::NotificationKind;
use tokio::sync::watch;

use super::harness::{self, SMS};
use crate::hcp::helpers as hcp;
use crate::support::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_wakes_an_idle_worker_long_before_its_poll_interval() {
    let Some(app) = TestApp::start(ehealth_core::db::Backend::Postgres).await else {
        return;
    };
    let mut options = harness::fast_options();
    options.poll_interval = Duration::from_secs(30);
    let (stop, rx) = watch::channel(false);
    tokio::spawn(ehealth_notifier::run(app.services.clone(), options, rx));
    // Let the worker find the queue empty and go idle for its 30 s.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let mut conn = app.conn();
    let patient = harness::patient(&mut conn, "en", SMS);
    let enqueued = Instant::now();
    harness::notify(
        &mut conn,
        &patient,
        NotificationKind::ConsentGiven,
        "ev-wake",
    );
    harness::wait_for(
        Duration::from_secs(5),
        "the woken worker to deliver",
        || harness::all_jobs(&mut conn, &patient)[0].status == jobs::DONE,
    )
    .await;
    assert!(
        enqueued.elapsed() < Duration::from_secs(2),
        "{:?}",
        enqueued.elapsed()
    );
    let _ = stop.send(true);
}

/// The real path: the api commits a consent on one of its blocking threads, and the
/// process (not a trigger inside the transaction) sends the NOTIFY after that commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_wakes_an_idle_worker_after_the_api_commits_a_consent() {
    let Some(app) = TestApp::start(ehealth_core::db::Backend::Postgres).await else {
        return;
    };
    let app = app.with_demo();
    let admin = hcp::clinic_admin(&app).await;
    let (_, nurse, _) = hcp::professional(&app, &admin, "nurse.wake", "nurse").await;
    let (ehr, key) = hcp::registered_patient(&app, &nurse, "B987654(0)").await;
    let patient = patients::find_by_ehr_number(&mut app.conn(), &ehr)
        .expect("query")
        .expect("registered");
    let mut options = harness::fast_options();
    options.poll_interval = Duration::from_secs(30);
    let (stop, rx) = watch::channel(false);
    tokio::spawn(ehealth_notifier::run(app.services.clone(), options, rx));
    let mut conn = app.conn();
    // The worker delivers what the registration enqueued, then idles for its 30 s.
    harness::wait_for(
        Duration::from_secs(10),
        "the registration's messages",
        || {
            harness::all_jobs(&mut conn, &patient)
                .iter()
                .all(|j| j.status == jobs::DONE)
        },
    )
    .await;
    let before = harness::all_jobs(&mut conn, &patient).len();
    tokio::time::sleep(Duration::from_millis(700)).await;
    let given = Instant::now();
    let (status, consent) = hcp::key_consent(&app, &nurse, &ehr, &key, "give").await;
    assert_eq!(status, 200, "{consent}");
    harness::wait_for(Duration::from_secs(5), "the consent's messages", || {
        let all = harness::all_jobs(&mut conn, &patient);
        all.len() > before && all.iter().all(|j| j.status == jobs::DONE)
    })
    .await;
    assert!(
        given.elapsed() < Duration::from_secs(2),
        "{:?}",
        given.elapsed()
    );
    // No NOTIFY is left inside the writing transaction.
    let triggers: i64 = diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "SELECT count(*) FROM pg_trigger WHERE tgname = 'notification_jobs_wakeup'",
    )
    .get_result(&mut *conn)
    .expect("pg_trigger");
    assert_eq!(triggers, 0);
    let _ = stop.send(true);
}
