//! Changes to one patient from several connections at once happen one after the other
//! (the patient's row lock): concurrent consent changes all succeed and leave one active
//! consent, and concurrent wrong access keys are each counted.

use std::sync::{Barrier, Mutex};

use ehealth_core::actions::access_key::{self, KeyCheck};
use ehealth_core::actions::consent::{self, ConsentRequest};
use ehealth_core::db::{consents, write_tx};
use ehealth_core::domain::{Actor, ActorKind, ConsentChannel, ConsentStatus, ConsentType};
use ehealth_core::ids::AccessKey;
use ehealth_core::rules::LockoutPolicy;

use crate::fixtures::{self, now, provider, CLINIC};
use crate::harness::TestDb;

const THREADS: usize = 4;
const EACH: usize = 5;

both_backends! {
    fn concurrent_consent_changes_keep_one_active_consent(db: &TestDb) {
        let hasher = fixtures::hasher();
        let patient_id = fixtures::registered_patient(&mut db.conn(), &hasher).patient.id;
        let start = Barrier::new(THREADS);
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let (start, db, patient_id) = (&start, &db, &patient_id);
                s.spawn(move || {
                    let mut conn = db.conn();
                    start.wait();
                    for i in 0..EACH {
                        let kind = if (t + i) % 2 == 0 { ConsentType::OneYear } else { ConsentType::Indefinite };
                        let request = ConsentRequest {
                            patient_id: patient_id.clone(),
                            provider_id: provider(CLINIC),
                            consent_type: kind,
                            channel: ConsentChannel::App,
                            actor: Actor::new(ActorKind::Patient, patient_id.as_str()),
                        };
                        consent::give(&mut conn, &request, now())
                            .unwrap_or_else(|e| panic!("give {t}/{i}: {e:?}"));
                    }
                });
            }
        });
        let mut conn = db.conn();
        let clinic_rows: Vec<_> = fixtures::history(&mut conn, &patient_id)
            .into_iter()
            .filter(|c| c.provider_id == provider(CLINIC).as_str())
            .collect();
        assert_eq!(clinic_rows.len(), THREADS * EACH, "every change kept in the history");
        let active = clinic_rows.iter().filter(|c| c.status == ConsentStatus::Active).count();
        assert_eq!(active, 1);
        // Each superseded row points at a distinct successor: one line, no fork.
        let mut successors: Vec<_> = clinic_rows.iter().filter_map(|c| c.superseded_by.clone()).collect();
        successors.sort();
        successors.dedup();
        assert_eq!(successors.len(), THREADS * EACH - 1);
        assert!(consents::current(&mut conn, &patient_id, provider(CLINIC).as_str()).unwrap().is_some());
        fixtures::assert_log_verifies(&mut conn);
    }

    fn concurrent_wrong_keys_are_each_counted(db: &TestDb) {
        const TRIES: usize = 8;
        let policy = LockoutPolicy { max_failures: 5, window: None, lock_for: None };
        let hasher = fixtures::hasher();
        let registered = fixtures::registered_patient(&mut db.conn(), &hasher);
        let right = registered.access_key.expose().to_owned();
        let wrong = if right == "00000000" { "11111111" } else { "00000000" };
        let outcomes = Mutex::new(Vec::new());
        let start = Barrier::new(TRIES);
        std::thread::scope(|s| {
            for _ in 0..TRIES {
                let (start, db, outcomes, hasher, patient) =
                    (&start, &db, &outcomes, &hasher, &registered.patient);
                s.spawn(move || {
                    let mut conn = db.conn();
                    let typed = AccessKey::parse(wrong).unwrap();
                    let actor = Actor::new(ActorKind::Hcprof, "doctor-1");
                    start.wait();
                    let outcome = write_tx(&mut conn, |c| {
                        access_key::check(c, hasher, &policy, patient, &typed, &actor, now())
                    })
                    .unwrap();
                    outcomes.lock().unwrap().push(outcome);
                });
            }
        });
        let outcomes = outcomes.into_inner().unwrap();
        let wrong_count = outcomes.iter().filter(|o| matches!(o, KeyCheck::Wrong { .. })).count();
        let locked_count = outcomes.iter().filter(|o| **o == KeyCheck::Locked).count();
        // Four count down, the fifth locks, the rest find it locked: none slips through
        // by reading a stale count.
        assert_eq!((wrong_count, locked_count), (4, TRIES - 4), "{outcomes:?}");
        let mut remaining: Vec<u32> = outcomes
            .iter()
            .filter_map(|o| match o { KeyCheck::Wrong { remaining } => Some(*remaining), _ => None })
            .collect();
        remaining.sort();
        assert_eq!(remaining, vec![1, 2, 3, 4]);
    }
}
