//! The listening side of the notifier wake-up (the sending side is `job_wakeup`): a
//! thread LISTENs on `ehealth_jobs` and calls back when jobs were committed, so an idle
//! worker claims a new job within milliseconds instead of after its poll interval.
//! Polling stays the fallback: on SQLite, and whenever the listening connection is down.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::{Connection, PgConnection, RunQueryDsl};

use super::job_wakeup::CHANNEL;

/// How often the listening connection's socket is read; no query is sent, so this costs
/// the database nothing.
const READ_EVERY: Duration = Duration::from_millis(5);
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// Listens until dropped.
pub struct JobListener {
    stop: Arc<AtomicBool>,
}

impl Drop for JobListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts the listening thread on the PostgreSQL database at `url`.
pub(crate) fn start(url: &str, on_jobs: impl Fn() + Send + 'static) -> Option<JobListener> {
    let stop = Arc::new(AtomicBool::new(false));
    let (s, url) = (stop.clone(), url.to_owned());
    std::thread::Builder::new()
        .name("notifier-listen".into())
        .spawn(move || run(&url, &on_jobs, &s))
        .ok()?;
    Some(JobListener { stop })
}

fn run(url: &str, on_jobs: &dyn Fn(), stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        match PgConnection::establish(url) {
            Ok(mut conn) => {
                if let Err(e) = diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut conn) {
                    tracing::warn!(error = %e, "LISTEN failed; polling only");
                } else {
                    // Jobs may have arrived while nobody was listening.
                    on_jobs();
                    relay(&mut conn, on_jobs, stop);
                }
            }
            Err(e) => tracing::warn!(error = %e, "wake-up connection failed; polling only"),
        }
        std::thread::sleep(RECONNECT_AFTER);
    }
}

/// Passes notifications on until the connection breaks or the listener is dropped.
fn relay(conn: &mut PgConnection, on_jobs: &dyn Fn(), stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        let mut woke = false;
        for received in conn.notifications_iter() {
            match received {
                Ok(_) => woke = true,
                Err(e) => {
                    tracing::warn!(error = %e, "wake-up connection lost");
                    return;
                }
            }
        }
        if woke {
            on_jobs();
        }
        std::thread::sleep(READ_EVERY);
    }
}
