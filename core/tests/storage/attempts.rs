//! Attempt counters survive the round trip through the database, locks included, and
//! concurrent wrong tries on one scope are each counted.

use std::sync::{Barrier, Mutex};

use chrono::{Duration, SubsecRound};
use ehealth_core::actions::throttle;
use ehealth_core::db::{attempts, write_tx, DbConn};
use ehealth_core::rules::{AttemptState, Lock, LockoutPolicy};

use crate::fixtures::now;
use crate::harness::TestDb;

both_backends! {
    fn attempt_counters_round_trip_with_every_kind_of_lock(conn: &mut DbConn) {
        let scope = "account:a1";
        assert_eq!(attempts::load(conn, scope).unwrap(), None);

        let started = now() + Duration::microseconds(123_456);
        let states = [
            AttemptState { failures: 2, window_started_at: started, lock: None },
            AttemptState {
                failures: 5,
                window_started_at: started,
                lock: Some(Lock::Until(started + Duration::minutes(15))),
            },
            AttemptState { failures: 7, window_started_at: started, lock: Some(Lock::UntilReset) },
            AttemptState { failures: 0, window_started_at: now(), lock: None },
        ];
        for state in states {
            attempts::save(conn, scope, &state).unwrap();
            assert_eq!(attempts::load(conn, scope).unwrap(), Some(state));
        }

        let other = "caller:+85291234567";
        let locked = AttemptState {
            failures: 3,
            window_started_at: now(),
            lock: Some(Lock::UntilReset),
        };
        attempts::save(conn, other, &locked).unwrap();
        assert_eq!(attempts::load(conn, other).unwrap(), Some(locked));
        assert_eq!(attempts::load(conn, scope).unwrap(), Some(states[3]), "scopes are separate");

        // Instants are kept to the microsecond on both backends.
        let precise = now() + Duration::nanoseconds(987_654_321);
        let state = AttemptState {
            failures: 1,
            window_started_at: precise,
            lock: Some(Lock::Until(precise)),
        };
        attempts::save(conn, scope, &state).unwrap();
        let micros = precise.trunc_subsecs(6);
        let loaded = attempts::load(conn, scope).unwrap().unwrap();
        assert_eq!((loaded.window_started_at, loaded.lock), (micros, Some(Lock::Until(micros))));

        assert_eq!(attempts::clear(conn, scope).unwrap(), 1);
        assert_eq!(attempts::load(conn, scope).unwrap(), None);
        assert_eq!(attempts::load(conn, other).unwrap(), Some(locked));
    }

    fn concurrent_wrong_tries_on_one_scope_are_each_counted(db: &TestDb) {
        const TRIES: usize = 8;
        let policy = LockoutPolicy { max_failures: 5, window: None, lock_for: None };
        let scope = "keyguess:account:a1";
        // (let through, this try locked the scope)
        let outcomes = Mutex::new(Vec::new());
        let start = Barrier::new(TRIES);
        std::thread::scope(|s| {
            for _ in 0..TRIES {
                let (start, db, outcomes, policy) = (&start, &db, &outcomes, &policy);
                s.spawn(move || {
                    let mut conn = db.conn();
                    start.wait();
                    let outcome = write_tx(&mut conn, |c| {
                        if throttle::retry_after(c, scope, now())?.is_some() {
                            return Ok((false, false));
                        }
                        // The guess is wrong: count it.
                        Ok((true, throttle::fail(c, scope, policy, now())?))
                    })
                    .unwrap();
                    outcomes.lock().unwrap().push(outcome);
                });
            }
        });
        let outcomes = outcomes.into_inner().unwrap();
        let through = outcomes.iter().filter(|(t, _)| *t).count();
        let locked_now = outcomes.iter().filter(|(_, l)| *l).count();
        assert_eq!((through, locked_now), (5, 1), "{outcomes:?}");
        let state = attempts::load(&mut db.conn(), scope).unwrap().unwrap();
        assert_eq!(state.failures, 5);
        assert_eq!(state.lock, Some(Lock::UntilReset));
    }
}
