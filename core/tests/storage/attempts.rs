//! Attempt counters survive the round trip through the database, locks included.

use chrono::{Duration, SubsecRound};
use ehealth_core::db::{attempts, DbConn};
use ehealth_core::rules::{AttemptState, Lock};

use crate::fixtures::now;

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
}
