//! Appends from several connections at once keep one unbroken chain: the head row is the
//! lock that puts them in line (on SQLite, the file's write lock taken by BEGIN IMMEDIATE).

use std::sync::Barrier;

use diesel::prelude::*;
use ehealth_core::db::audit::{self, NewAuditEntry};
use ehealth_core::db::schema::audit_log;
use ehealth_core::db::write_tx;
use ehealth_core::domain::{Actor, ActorKind, AuditAction, AuditOutcome};

use crate::fixtures::now;
use crate::harness::TestDb;

const THREADS: usize = 4;
const EACH: usize = 25;

both_backends! {
    fn concurrent_appends_keep_one_chain(db: &TestDb) {
        let start = Barrier::new(THREADS);
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let (start, db) = (&start, &db);
                s.spawn(move || {
                    let mut conn = db.conn();
                    start.wait();
                    for i in 0..EACH {
                        let entry = NewAuditEntry::new(
                            AuditAction::RecordView,
                            Actor::new(ActorKind::Hcprof, format!("worker-{t}")),
                            AuditOutcome::Granted,
                        )
                        .reason(format!("{t}/{i}"));
                        write_tx(&mut conn, |c| Ok(audit::append(c, &entry, now())?))
                            .unwrap_or_else(|e| panic!("append {t}/{i}: {e:?}"));
                    }
                });
            }
        });

        let mut conn = db.conn();
        let report = audit::verify(&mut conn).unwrap();
        assert!(report.is_intact(), "{report:?}");
        let total = (THREADS * EACH) as i64;
        assert_eq!((report.entries, report.last_seq), (total as u64, total));
        let seqs: Vec<i64> = audit_log::table
            .select(audit_log::seq)
            .order(audit_log::seq)
            .load(&mut conn)
            .unwrap();
        assert_eq!(seqs, (1..=total).collect::<Vec<_>>());
        for t in 0..THREADS {
            let mine: i64 = audit_log::table
                .filter(audit_log::actor_id.eq(format!("worker-{t}")))
                .count()
                .get_result(&mut conn)
                .unwrap();
            assert_eq!(mine, EACH as i64, "every append of worker {t} is in the log");
        }
    }
}
