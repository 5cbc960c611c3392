//! Whether a pooled connection needs a round trip (`SELECT 1`) before it is handed out.
//!
//! Checking every checkout cost two of the dozen round trips of a typical request. A
//! connection can only have died if the server went away, and that shows: every query on
//! a dead connection fails with a "connection lost" error (`error::connection_lost`). So a
//! checkout is checked only
//! - for `RECHECK_AFTER_LOSS` after any such error in this process (a restart kills every
//!   backend at once: the others are found before they are handed out), or
//! - after the pool sat idle for `RECHECK_WHEN_IDLE` (the server may have restarted while
//!   nothing used it, so nothing failed).
//!
//! And the connection that saw the error is discarded when it goes back to the pool: the
//! error is noted on the thread that used it, which is the thread that returns it
//! (`ConnectionManager::has_broken`).

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const RECHECK_AFTER_LOSS: Duration = Duration::from_secs(30);
pub const RECHECK_WHEN_IDLE: Duration = Duration::from_secs(1);

thread_local! {
    /// A "connection lost" error was seen on this thread since its connection was taken.
    static LOST_HERE: Cell<bool> = const { Cell::new(false) };
}

/// Milliseconds since this process's first look at the clock, plus one (0 = never).
static LAST_LOSS: AtomicU64 = AtomicU64::new(0);

fn now_ms() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    u64::try_from(start.elapsed().as_millis())
        .unwrap_or(u64::MAX)
        .saturating_add(1)
}

fn within(stamp: u64, now: u64, span: Duration) -> bool {
    stamp != 0 && now.saturating_sub(stamp) < u64::try_from(span.as_millis()).unwrap_or(u64::MAX)
}

/// Called where a database error is classified as "the connection is gone".
pub fn note_lost() {
    LOST_HERE.with(|l| l.set(true));
    LAST_LOSS.store(now_ms(), Ordering::Relaxed);
}

/// Whether this thread saw its connection die (and forgets it).
pub(super) fn take_lost_here() -> bool {
    LOST_HERE.with(Cell::take)
}

/// One pool's last use.
#[derive(Debug, Default)]
pub(super) struct PoolHealth {
    last_returned: AtomicU64,
}

impl PoolHealth {
    pub fn returned(&self) {
        self.last_returned.store(now_ms(), Ordering::Relaxed);
    }

    pub fn checkout_needs_check(&self) -> bool {
        let now = now_ms();
        within(LAST_LOSS.load(Ordering::Relaxed), now, RECHECK_AFTER_LOSS)
            || !within(
                self.last_returned.load(Ordering::Relaxed),
                now,
                RECHECK_WHEN_IDLE,
            )
    }

    /// A check failed: the server went away.
    pub fn check_failed(&self) {
        LAST_LOSS.store(now_ms(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_pool_checks_and_a_busy_one_does_not() {
        let health = PoolHealth::default();
        assert!(health.checkout_needs_check(), "never used: check");
        health.returned();
        // Unless a loss was noted in this process within the window (another test may
        // have), a connection just returned is not checked again.
        if !within(
            LAST_LOSS.load(Ordering::Relaxed),
            now_ms(),
            RECHECK_AFTER_LOSS,
        ) {
            assert!(!health.checkout_needs_check());
        }
        note_lost();
        assert!(health.checkout_needs_check(), "after a loss: check");
        assert!(take_lost_here());
        assert!(!take_lost_here(), "taken once");
    }
}
