//! Telling idle notifier workers (LISTEN `ehealth_jobs`, PostgreSQL only) that jobs were
//! committed, without taking PostgreSQL's notification lock in every writing transaction.
//!
//! A `NOTIFY` inside a transaction takes one database-wide lock at commit and holds it
//! until the commit is flushed, so every transaction that notifies commits one at a time
//! (measured in docs/capacity-plan.md: a one-row insert at 50 clients ran at 1,216-1,402
//! tps without it, 280-411 with a trigger's NOTIFY). Instead, a transaction that enqueued a
//! job only marks its thread; when `write_tx` has committed it, the process's waker for
//! that database is poked, and one sender thread per database sends a `NOTIFY` on its own
//! connection. Pokes that arrive while a NOTIFY is being sent fold into the next one, so a
//! process sends at most one at a time however many transactions commit. Polling stays
//! the fallback: a job enqueued outside `write_tx`, or a sender whose connection is down,
//! waits for the worker's poll interval at worst.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

/// The channel the notifier LISTENs on.
pub const CHANNEL: &str = "ehealth_jobs";

const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// Whether this process may start sender threads: only a serving process does
/// (`allow_senders`, called by every HTTP service at start-up). A one-shot command (`ehealth
/// demo`, `migrate`, a postal run...) exits soon after its last commit; a sender thread
/// still opening its connection then raced OpenSSL's exit clean-up in libpq's TLS
/// handshake and crashed the process (SIGSEGV after its output, seen in the outage drill's
/// `ehealth demo`). Its jobs wait for the workers' poll instead.
static SENDERS_ALLOWED: AtomicBool = AtomicBool::new(false);

/// Lets this process's wakers start their sender threads (a long-running service).
pub fn allow_senders() {
    SENDERS_ALLOWED.store(true, Ordering::Relaxed);
}

thread_local! {
    /// The waker of the database this thread last took a connection from.
    static CURRENT: RefCell<Option<JobWakeup>> = const { RefCell::new(None) };
    /// A job was enqueued on this thread since the last commit.
    static ENQUEUED: Cell<bool> = const { Cell::new(false) };
}

/// One per PostgreSQL `Database` (shared by its clones); the sender thread starts on the
/// first poke, in a serving process only (`allow_senders`).
#[derive(Clone)]
pub struct JobWakeup {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    state: Mutex<State>,
    poked: Condvar,
}

#[derive(Default)]
struct State {
    pending: bool,
    sender_started: bool,
}

impl JobWakeup {
    pub fn new(url: &str) -> Self {
        Self {
            inner: Arc::new(Inner {
                url: url.to_owned(),
                state: Mutex::new(State::default()),
                poked: Condvar::new(),
            }),
        }
    }

    /// The database's URL, for its listener (`job_listen`).
    pub(crate) fn url(&self) -> &str {
        &self.inner.url
    }

    /// Remembers this waker as the current thread's, for `after_commit`.
    pub(crate) fn enter(&self) {
        CURRENT.with(|c| {
            let mut current = c.borrow_mut();
            if !current
                .as_ref()
                .is_some_and(|w| Arc::ptr_eq(&w.inner, &self.inner))
            {
                *current = Some(self.clone());
            }
        });
    }

    /// Asks the sender thread for one NOTIFY (folded with any already asked for).
    pub fn poke(&self) {
        let mut state = self
            .inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        state.pending = true;
        if !state.sender_started && SENDERS_ALLOWED.load(Ordering::Relaxed) {
            let inner = self.inner.clone();
            let spawned = std::thread::Builder::new()
                .name("job-wakeup".into())
                .spawn(move || send_loop(&inner));
            match spawned {
                Ok(_) => state.sender_started = true,
                Err(e) => {
                    tracing::warn!(error = %e, "job wake-up thread not started; polling only");
                }
            }
        }
        self.inner.poked.notify_one();
    }
}

/// Marks the current thread: a job was written in the transaction in progress.
pub(crate) fn job_enqueued() {
    ENQUEUED.with(|e| e.set(true));
}

/// After a top-level commit: pokes the thread's waker if a job was enqueued.
pub(crate) fn after_commit() {
    if ENQUEUED.with(|e| e.replace(false)) {
        CURRENT.with(|c| {
            if let Some(waker) = c.borrow().as_ref() {
                waker.poke();
            }
        });
    }
}

/// After a top-level rollback: whatever was enqueued is gone.
pub(crate) fn after_rollback() {
    ENQUEUED.with(|e| e.set(false));
}

fn send_loop(inner: &Inner) {
    let mut conn: Option<PgConnection> = None;
    loop {
        {
            let mut state = inner.state.lock().unwrap_or_else(PoisonError::into_inner);
            while !state.pending {
                state = inner
                    .poked
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            state.pending = false;
        }
        if conn.is_none() {
            conn = match PgConnection::establish(&inner.url) {
                Ok(c) => Some(c),
                Err(e) => {
                    tracing::warn!(error = %e, "job wake-up connection failed; workers poll");
                    std::thread::sleep(RECONNECT_AFTER);
                    continue;
                }
            };
        }
        if let Some(c) = conn.as_mut() {
            if let Err(e) = c.batch_execute(&format!("NOTIFY {CHANNEL}")) {
                tracing::warn!(error = %e, "job wake-up NOTIFY failed; reconnecting");
                conn = None;
            }
        }
    }
}
