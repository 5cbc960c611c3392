//! Housekeeping deletes operational rows that have served their purpose, and nothing else:
//! live sessions, locked counters, waiting jobs, recent deliveries and the audit log stay.

use chrono::Duration;
use diesel::prelude::*;
use ehealth_core::actions::retention::prune;
use ehealth_core::db::jobs::{self, NewJob};
use ehealth_core::db::schema::{attempt_counters as ac, notification_jobs as nj, sessions as se};
use ehealth_core::db::{attempts, sessions, to_db, DbConn};
use ehealth_core::domain::SessionSubject;
use ehealth_core::rules::{AttemptState, Lock};
use serde_json::json;

use crate::fixtures::{self, now};

fn job(conn: &mut DbConn, key: &str) -> String {
    let new = NewJob {
        job_type: "consent_given".into(),
        channel: "sms".into(),
        patient_id: None,
        dedupe_key: key.into(),
        payload: json!({}),
        max_attempts: 12,
    };
    jobs::enqueue(conn, &new, now()).unwrap();
    nj::table
        .filter(nj::dedupe_key.eq(key))
        .select(nj::id)
        .first(conn)
        .unwrap()
}

fn finish(conn: &mut DbConn, id: &str, days_ago: i64) {
    diesel::update(nj::table.find(id))
        .set((
            nj::status.eq(jobs::DONE),
            nj::finished_at.eq(Some(to_db(now() - Duration::days(days_ago)))),
        ))
        .execute(conn)
        .unwrap();
}

fn counter(conn: &mut DbConn, scope: &str, lock: Option<Lock>, days_ago: i64) {
    let state = AttemptState {
        failures: 3,
        window_started_at: now(),
        lock,
    };
    attempts::save(conn, scope, &state).unwrap();
    diesel::update(ac::table.find(scope))
        .set(ac::updated_at.eq(to_db(now() - Duration::days(days_ago))))
        .execute(conn)
        .unwrap();
}

both_backends! {
    fn housekeeping_deletes_only_what_has_served_its_purpose(conn: &mut DbConn) {
        let audit_before = fixtures::audit_count(conn);
        let (old, _) = sessions::start(conn, SessionSubject::Patient, "p1", Duration::minutes(30), now() - Duration::days(3)).unwrap();
        let (live, _) = sessions::start(conn, SessionSubject::Patient, "p2", Duration::minutes(30), now()).unwrap();
        let (lapsed_today, _) = sessions::start(conn, SessionSubject::Patient, "p3", Duration::minutes(30), now() - Duration::hours(2)).unwrap();

        counter(conn, "account:stale", None, 2);
        counter(conn, "account:recent", None, 0);
        counter(conn, "caller:locked", Some(Lock::UntilReset), 30);

        let delivered_long_ago = job(conn, "old");
        finish(conn, &delivered_long_ago, 91);
        let delivered_lately = job(conn, "recent");
        finish(conn, &delivered_lately, 10);
        let waiting = job(conn, "waiting");

        let pruned = prune(conn, now(), 90).unwrap();
        assert_eq!((pruned.sessions, pruned.counters, pruned.jobs), (1, 1, 1), "{pruned:?}");

        let sessions_left: Vec<String> = se::table.select(se::id).order(se::id).load(conn).unwrap();
        let mut expected = vec![live.id, lapsed_today.id];
        expected.sort();
        assert_eq!(sessions_left, expected, "{} was the old one", old.id);
        let counters: Vec<String> = ac::table.select(ac::scope).order(ac::scope).load(conn).unwrap();
        assert_eq!(counters, vec!["account:recent", "caller:locked"], "a lock until reset stays");
        let jobs_left: Vec<String> = nj::table.select(nj::id).order(nj::id).load(conn).unwrap();
        let mut expected = vec![delivered_lately, waiting];
        expected.sort();
        assert_eq!(jobs_left, expected);
        assert_eq!(fixtures::audit_count(conn), audit_before, "the audit log is never pruned");
        assert_eq!(prune(conn, now(), 90).unwrap().total(), 0, "nothing more to do");
    }
}
