//! Counting wrong guesses. A counter belongs to a scope (a patient's access key, an
//! account, a caller number); the policy says how many failures in what window lock it,
//! and for how long.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub max_failures: u32,
    /// Failures older than this no longer count; `None`: they count until a reset.
    pub window: Option<Duration>,
    /// How long a lock lasts; `None`: until the scope is reset (e.g. a new access key).
    pub lock_for: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    Until(DateTime<Utc>),
    UntilReset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptState {
    pub failures: u32,
    pub window_started_at: DateTime<Utc>,
    pub lock: Option<Lock>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Open,
    Locked(Lock),
}

impl AttemptState {
    pub fn fresh(now: DateTime<Utc>) -> Self {
        Self {
            failures: 0,
            window_started_at: now,
            lock: None,
        }
    }

    /// Whether a try may be made now. A right answer while locked is still refused.
    pub fn gate(&self, now: DateTime<Utc>) -> Gate {
        match self.lock {
            Some(Lock::UntilReset) => Gate::Locked(Lock::UntilReset),
            Some(Lock::Until(t)) if now < t => Gate::Locked(Lock::Until(t)),
            _ => Gate::Open,
        }
    }

    /// The state after a wrong try, and whether this try locked it.
    pub fn after_failure(&self, policy: &LockoutPolicy, now: DateTime<Utc>) -> (Self, bool) {
        let expired_lock = matches!(self.lock, Some(Lock::Until(t)) if now >= t);
        let window_over = policy
            .window
            .is_some_and(|w| now >= self.window_started_at + w);
        let mut next = if expired_lock || window_over {
            Self::fresh(now)
        } else {
            *self
        };
        next.failures += 1;
        let newly_locked = next.lock.is_none() && next.failures >= policy.max_failures;
        if newly_locked {
            next.lock = Some(match policy.lock_for {
                Some(d) => Lock::Until(now + d),
                None => Lock::UntilReset,
            });
        }
        (next, newly_locked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).expect("valid")
    }

    const KEY: LockoutPolicy = LockoutPolicy {
        max_failures: 5,
        window: None,
        lock_for: None,
    };

    #[test]
    fn fifth_failure_locks_until_reset() {
        let mut s = AttemptState::fresh(t(0));
        for i in 1..=4 {
            let (next, locked) = s.after_failure(&KEY, t(i));
            assert!(!locked);
            assert_eq!(next.gate(t(i)), Gate::Open);
            s = next;
        }
        let (s, locked) = s.after_failure(&KEY, t(5));
        assert!(locked);
        assert_eq!(s.gate(t(1_000_000)), Gate::Locked(Lock::UntilReset));
        // More failures keep it locked and do not report a new lock.
        let (s, locked_again) = s.after_failure(&KEY, t(6));
        assert!(!locked_again);
        assert_eq!(s.gate(t(7)), Gate::Locked(Lock::UntilReset));
    }

    #[test]
    fn throttle_unlocks_after_its_time_and_window_forgets() {
        let policy = LockoutPolicy {
            max_failures: 3,
            window: Some(Duration::seconds(60)),
            lock_for: Some(Duration::seconds(300)),
        };
        let s = AttemptState::fresh(t(0));
        let (s, _) = s.after_failure(&policy, t(1));
        let (s, _) = s.after_failure(&policy, t(2));
        // The window passes: earlier failures are forgotten.
        let (s, locked) = s.after_failure(&policy, t(70));
        assert!(!locked);
        assert_eq!(s.failures, 1);
        let (s, _) = s.after_failure(&policy, t(71));
        let (s, locked) = s.after_failure(&policy, t(72));
        assert!(locked);
        assert_eq!(s.gate(t(371)), Gate::Locked(Lock::Until(t(372))));
        assert_eq!(s.gate(t(372)), Gate::Open);
    }
}
