//! PostgreSQL wake-up: a thread LISTENs on `ehealth_jobs` (the process that committed
//! jobs NOTIFYs after its commit: `ehealth_core::db::job_wakeup`) and wakes the idle worker, so a new job is
//! claimed within milliseconds instead of after the poll interval. Polling stays the
//! fallback: on SQLite, and whenever the listening connection is down.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::{Connection, PgConnection, RunQueryDsl};
use tokio::sync::Notify;

/// How often the listening connection's socket is read; no query is sent, so this costs
/// the database nothing.
const READ_EVERY: Duration = Duration::from_millis(5);
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

pub struct Wakeup {
    pub notify: Arc<Notify>,
    stop: Arc<AtomicBool>,
}

impl Drop for Wakeup {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts listening when `database_url` is PostgreSQL; `None` otherwise.
pub fn listen(database_url: &str) -> Option<Wakeup> {
    if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
        return None;
    }
    let notify = Arc::new(Notify::new());
    let stop = Arc::new(AtomicBool::new(false));
    let (n, s, url) = (notify.clone(), stop.clone(), database_url.to_owned());
    std::thread::Builder::new()
        .name("notifier-listen".into())
        .spawn(move || run(&url, &n, &s))
        .ok()?;
    Some(Wakeup { notify, stop })
}

fn run(url: &str, notify: &Notify, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        match PgConnection::establish(url) {
            Ok(mut conn) => {
                if let Err(e) = diesel::sql_query("LISTEN ehealth_jobs").execute(&mut conn) {
                    tracing::warn!(error = %e, "LISTEN failed; polling only");
                } else {
                    // Jobs may have arrived while nobody was listening.
                    notify.notify_one();
                    relay(&mut conn, notify, stop);
                }
            }
            Err(e) => tracing::warn!(error = %e, "wake-up connection failed; polling only"),
        }
        std::thread::sleep(RECONNECT_AFTER);
    }
}

/// Passes notifications on until the connection breaks or the worker stops.
fn relay(conn: &mut PgConnection, notify: &Notify, stop: &AtomicBool) {
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
            notify.notify_one();
        }
        std::thread::sleep(READ_EVERY);
    }
}
