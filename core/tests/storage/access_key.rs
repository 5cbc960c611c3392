//! Checking a typed access key: wrong tries count down, the fifth locks the key (and the
//! patient is told), a locked key refuses even the right digits, a new key starts clean.

use chrono::{DateTime, Duration, Utc};
use ehealth_core::actions::access_key::{self, KeyCheck};
use ehealth_core::db::patients::Patient;
use ehealth_core::db::{access_keys, audit, write_tx, DbConn};
use ehealth_core::domain::{Actor, ActorKind, AuditAction};
use ehealth_core::ids::{AccessKey, PatientId};
use ehealth_core::rules::LockoutPolicy;
use ehealth_core::secret::SecretHasher;

use crate::fixtures::{self, now};

const POLICY: LockoutPolicy = LockoutPolicy {
    max_failures: 5,
    window: None,
    lock_for: None,
};

fn counter() -> Actor {
    Actor::new(ActorKind::Hcprof, "doctor-1")
}

fn try_key(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    patient: &Patient,
    digits: &str,
    at: DateTime<Utc>,
) -> KeyCheck {
    let typed = AccessKey::parse(digits).unwrap();
    write_tx(conn, |c| {
        access_key::check(c, hasher, &POLICY, patient, &typed, &counter(), at)
    })
    .unwrap()
}

/// Another 8-digit key than `key`.
fn other_than(key: &str) -> String {
    format!("{:08}", (key.parse::<u32>().unwrap() + 1) % 100_000_000)
}

/// The outcomes of the patient's key tries, oldest first.
fn audited_tries(conn: &mut DbConn, patient_id: &PatientId) -> Vec<(String, Option<String>)> {
    let mut tries: Vec<_> = audit::for_patient(conn, patient_id, None, 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.event == AuditAction::AccessKeyAttempt)
        .map(|e| (e.outcome.to_string(), e.reason))
        .collect();
    tries.reverse();
    tries
}

both_backends! {
    fn five_wrong_tries_lock_the_key_until_a_new_one_is_issued(conn: &mut DbConn) {
        let hasher = fixtures::hasher();
        let registered = fixtures::registered_patient(conn, &hasher);
        let patient = registered.patient;
        let right = registered.access_key.expose().to_owned();
        let wrong = other_than(&right);
        let t = |n: i64| now() + Duration::minutes(n);

        for (n, remaining) in [(1, 4), (2, 3), (3, 2), (4, 1)] {
            let check = try_key(conn, &hasher, &patient, &wrong, t(n));
            assert_eq!(check, KeyCheck::Wrong { remaining });
        }
        let record = access_keys::current(conn, &patient.id).unwrap().unwrap();
        assert_eq!((record.failed_attempts, record.locked_at), (4, None));
        let jobs = fixtures::jobs_for(conn, &patient.id);
        assert!(fixtures::channels_of(&jobs, "access_key_locked").is_empty());

        assert_eq!(try_key(conn, &hasher, &patient, &wrong, t(5)), KeyCheck::Locked);
        let record = access_keys::current(conn, &patient.id).unwrap().unwrap();
        assert_eq!(record.locked_at, Some(ehealth_core::db::to_db(t(5))));
        let jobs = fixtures::jobs_for(conn, &patient.id);
        assert_eq!(fixtures::channels_of(&jobs, "access_key_locked"), ["email", "sms"]);

        let check = try_key(conn, &hasher, &patient, &right, t(6));
        assert_eq!(check, KeyCheck::Locked, "even the right key");

        let by_patient = Actor::new(ActorKind::Patient, patient.id.as_str());
        let new_key = write_tx(conn, |c| {
            access_key::issue(c, &hasher, &patient, ehealth_core::domain::AccessKeyChannel::App, &by_patient, t(7))
        })
        .unwrap();
        let check = try_key(conn, &hasher, &patient, &right, t(8));
        assert_eq!(check, KeyCheck::Wrong { remaining: 4 }, "the old key is gone");
        assert_eq!(try_key(conn, &hasher, &patient, new_key.expose(), t(9)), KeyCheck::Accepted);
        let record = access_keys::current(conn, &patient.id).unwrap().unwrap();
        assert_eq!(record.failed_attempts, 0, "a right key clears the count");

        let failed = ("failed".to_owned(), Some("access_key_wrong".to_owned()));
        let locked = |reason: &str| ("locked".to_owned(), Some(reason.to_owned()));
        assert_eq!(
            audited_tries(conn, &patient.id),
            vec![
                failed.clone(),
                failed.clone(),
                failed.clone(),
                failed.clone(),
                locked("access_key_locked_now"),
                locked("access_key_locked"),
                failed,
                ("succeeded".to_owned(), Some("access_key_accepted".to_owned())),
            ]
        );
        fixtures::assert_log_verifies(conn);
    }
}
