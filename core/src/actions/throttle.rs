//! Throttles on guessable secrets per scope (`signin:<provider>:<user>`, `account:<id>`,
//! `provider:<id>`), over the stored attempt counters and the lockout rule. The caller
//! commits the counter with its audit entry, then refuses.

use chrono::{DateTime, Utc};

use crate::db::{attempts, DbConn};
use crate::error::{CoreError, CoreResult};
use crate::rules::{AttemptState, Gate, Lock, LockoutPolicy};

/// Seconds until the scope may try again; `None` if it may try now. Holds the scope's
/// counter locked until the caller's transaction ends, so that the try's outcome is
/// counted before a concurrent try on the same scope is let through.
pub fn retry_after(conn: &mut DbConn, scope: &str, now: DateTime<Utc>) -> CoreResult<Option<u64>> {
    let state = attempts::load_for_update(conn, scope, now)?;
    Ok(wait_for(&state, now))
}

/// As `retry_after`, without holding the counter: for a wide scope (a whole provider)
/// whose tries must not queue behind one row lock for the length of a key check. A burst
/// can pass the gate by the tries in flight; `fail` still counts every one of them.
pub fn retry_after_unlocked(
    conn: &mut DbConn,
    scope: &str,
    now: DateTime<Utc>,
) -> CoreResult<Option<u64>> {
    Ok(attempts::load(conn, scope)?.and_then(|state| wait_for(&state, now)))
}

fn wait_for(state: &AttemptState, now: DateTime<Utc>) -> Option<u64> {
    match state.gate(now) {
        Gate::Open => None,
        Gate::Locked(Lock::Until(t)) => {
            Some(u64::try_from((t - now).num_seconds()).unwrap_or(0).max(1))
        }
        Gate::Locked(Lock::UntilReset) => Some(u64::MAX / 2),
    }
}

/// Counts a wrong try against the scope; returns whether this try locked it.
pub fn fail(
    conn: &mut DbConn,
    scope: &str,
    policy: &LockoutPolicy,
    now: DateTime<Utc>,
) -> CoreResult<bool> {
    let state = attempts::load_for_update(conn, scope, now)?;
    let (next, newly_locked) = state.after_failure(policy, now);
    attempts::save(conn, scope, &next)?;
    if newly_locked {
        crate::metrics::metrics().lockout(scope);
    }
    Ok(newly_locked)
}

pub fn clear(conn: &mut DbConn, scope: &str) -> CoreResult<()> {
    attempts::clear(conn, scope)?;
    Ok(())
}

pub fn rate_limited(retry_after_secs: u64) -> CoreError {
    CoreError::RateLimited { retry_after_secs }
}
