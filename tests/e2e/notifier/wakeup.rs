//! On PostgreSQL an idle worker is woken by the enqueue itself (LISTEN/NOTIFY), not by
//! its poll interval; on SQLite it polls.

use std::time::{Duration, Instant};

use ehealth_core::db::jobs;
use ehealth_core::domain::NotificationKind;
use tokio::sync::watch;

use super::harness::{self, SMS};
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
