//! The outbox: dedupe on enqueue, claims under a lease, retries, dead jobs, and no job
//! handed to two workers at once.

use std::collections::HashSet;
use std::sync::Barrier;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use ehealth_core::db::jobs::{self, Job, NewJob, DEAD, DONE, PENDING, RUNNING};
use ehealth_core::db::schema::notification_jobs as nj;
use ehealth_core::db::{to_db, DbConn};
use serde_json::json;

use crate::fixtures::{self, now};
use crate::harness::TestDb;

fn new_job(key: &str) -> NewJob {
    NewJob {
        job_type: "consent_given".to_owned(),
        channel: "sms".to_owned(),
        patient_id: None,
        dedupe_key: key.to_owned(),
        payload: json!({ "key": key }),
        max_attempts: 3,
    }
}

fn enqueue(conn: &mut DbConn, key: &str) -> String {
    assert!(jobs::enqueue(conn, &new_job(key), now()).unwrap());
    nj::table
        .filter(nj::dedupe_key.eq(key))
        .select(nj::id)
        .first(conn)
        .unwrap()
}

fn claim_one(conn: &mut DbConn, worker: &str, at: DateTime<Utc>) -> Option<Job> {
    let mut claimed = jobs::claim(conn, worker, 10, lease(), at).unwrap();
    assert!(claimed.len() <= 1, "{claimed:#?}");
    claimed.pop()
}

fn lease() -> Duration {
    Duration::seconds(30)
}

fn stored(conn: &mut DbConn, id: &str) -> Job {
    jobs::find(conn, id).unwrap().unwrap()
}

fn secs(n: i64) -> DateTime<Utc> {
    now() + Duration::seconds(n)
}

both_backends! {
    fn enqueue_ignores_a_repeated_dedupe_key(conn: &mut DbConn) {
        assert!(jobs::enqueue(conn, &new_job("c1:sms:p1"), now()).unwrap());
        let mut again = new_job("c1:sms:p1");
        again.payload = json!({ "second": true });
        assert!(!jobs::enqueue(conn, &again, now()).unwrap());
        assert_eq!(fixtures::job_count(conn), 1);
        let payload: String = nj::table.select(nj::payload).first(conn).unwrap();
        assert_eq!(payload, json!({ "key": "c1:sms:p1" }).to_string(), "the first one is kept");
        assert!(jobs::enqueue(conn, &new_job("c1:email:p1"), now()).unwrap());
        assert_eq!(fixtures::job_count(conn), 2);
    }

    fn a_claim_holds_the_job_until_its_lease_runs_out(conn: &mut DbConn) {
        let id = enqueue(conn, "lease");
        assert!(claim_one(conn, "w0", secs(-1)).is_none(), "not due yet");

        let first = claim_one(conn, "w1", now()).expect("due job claimed");
        assert_eq!(first.id, id);
        assert_eq!((first.status.as_str(), first.attempts), (RUNNING, 1));
        assert!(first.lease_owner.as_deref().unwrap().starts_with("w1/"));
        assert_eq!(first.lease_until, Some(to_db(now() + lease())));
        assert_eq!(stored(conn, &id), first);

        assert!(claim_one(conn, "w2", secs(10)).is_none(), "held by w1");
        assert!(claim_one(conn, "w2", secs(30)).is_none(), "held up to the lease's end");

        let second = claim_one(conn, "w2", secs(31)).expect("lease ran out");
        assert_eq!(second.attempts, 2);
        assert!(second.lease_owner.as_deref().unwrap().starts_with("w2/"));
        let w1 = first.lease_owner.clone().unwrap();
        assert!(!jobs::complete(conn, &id, &w1, Some("SM-1"), secs(32)).unwrap());
        assert!(!jobs::fail(conn, &first, "late", secs(90), false, secs(32)).unwrap());
        assert_eq!(stored(conn, &id), second, "the stale worker changed nothing");

        let w2 = second.lease_owner.unwrap();
        assert!(jobs::complete(conn, &id, &w2, Some("SM-2"), secs(33)).unwrap());
        let done = stored(conn, &id);
        assert_eq!(done.status, DONE);
        assert_eq!(done.provider_ref.as_deref(), Some("SM-2"));
        assert_eq!((done.finished_at, done.lease_until), (Some(to_db(secs(33))), None));
        assert!(claim_one(conn, "w3", secs(3600)).is_none(), "done jobs stay done");
    }

    fn failed_jobs_retry_later_then_park_as_dead(conn: &mut DbConn) {
        let id = enqueue(conn, "retry");
        for (attempt, at) in [(1, 0), (2, 60)] {
            let job = claim_one(conn, "w", secs(at)).unwrap();
            assert_eq!(job.attempts, attempt);
            assert!(jobs::fail(conn, &job, "timeout", secs(at + 60), false, secs(at)).unwrap());
            let row = stored(conn, &id);
            assert_eq!((row.status.as_str(), row.run_at), (PENDING, to_db(secs(at + 60))));
            assert_eq!((row.last_error.as_deref(), row.lease_until), (Some("timeout"), None));
            assert!(claim_one(conn, "w", secs(at + 59)).is_none(), "not before retry_at");
        }
        let last = claim_one(conn, "w", secs(120)).unwrap();
        assert_eq!(last.attempts, 3);
        assert!(jobs::fail(conn, &last, "timeout", secs(180), false, secs(120)).unwrap());
        let dead = stored(conn, &id);
        assert_eq!((dead.status.as_str(), dead.finished_at), (DEAD, Some(to_db(secs(120)))));
        assert!(claim_one(conn, "w", secs(86_400)).is_none(), "dead jobs are not claimed");
        assert_eq!(jobs::with_status(conn, DEAD, 10).unwrap(), vec![dead]);

        assert!(jobs::retry_dead(conn, &id, secs(200)).unwrap());
        assert!(!jobs::retry_dead(conn, &id, secs(200)).unwrap(), "only a dead job");
        let revived = stored(conn, &id);
        assert_eq!((revived.status.as_str(), revived.attempts), (PENDING, 0));
        assert_eq!((revived.run_at, revived.finished_at), (to_db(secs(200)), None));
        assert_eq!(claim_one(conn, "w", secs(200)).unwrap().attempts, 1);
    }

    fn a_permanent_failure_parks_the_job_at_once(conn: &mut DbConn) {
        let id = enqueue(conn, "permanent");
        let job = claim_one(conn, "w", now()).unwrap();
        assert!(jobs::fail(conn, &job, "invalid number", secs(60), true, now()).unwrap());
        let row = stored(conn, &id);
        assert_eq!((row.status.as_str(), row.attempts), (DEAD, 1));
        assert_eq!(row.last_error.as_deref(), Some("invalid number"));
    }

    fn concurrent_claims_never_hand_out_a_job_twice(db: &TestDb) {
        const JOBS: usize = 200;
        {
            let mut conn = db.conn();
            for n in 0..JOBS {
                assert!(jobs::enqueue(&mut conn, &new_job(&format!("job-{n}")), now()).unwrap());
            }
        }
        let start = Barrier::new(2);
        let claimed: Vec<Vec<String>> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..2)
                .map(|w| {
                    let (start, db) = (&start, &db);
                    s.spawn(move || claim_until_empty(db, &format!("w{w}"), start))
                })
                .collect();
            workers.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let all: Vec<&String> = claimed.iter().flatten().collect();
        let distinct: HashSet<&String> = all.iter().copied().collect();
        assert_eq!(distinct.len(), all.len(), "a job was claimed twice");
        assert_eq!(all.len(), JOBS);
        println!("claims per worker: {:?}", claimed.iter().map(Vec::len).collect::<Vec<_>>());
    }
}

fn claim_until_empty(db: &TestDb, worker: &str, start: &Barrier) -> Vec<String> {
    let mut conn = db.conn();
    let mut ids = Vec::new();
    start.wait();
    loop {
        let batch = jobs::claim(&mut conn, worker, 5, Duration::minutes(10), now()).unwrap();
        if batch.is_empty() {
            // A claim can come back empty while the other worker holds the last rows.
            let pending: i64 = nj::table
                .filter(nj::status.eq(PENDING))
                .count()
                .get_result(&mut conn)
                .unwrap();
            if pending == 0 {
                return ids;
            }
            std::thread::yield_now();
        }
        ids.extend(batch.into_iter().map(|j| j.id));
    }
}
