//! Appends from several connections at once take no shared lock and all reach the tree;
//! sequencers running together never both integrate; entries whose transactions commit
//! out of seq order are all integrated, none skipped.

use std::sync::mpsc;
use std::sync::Barrier;
use std::time::Duration;

use diesel::prelude::*;
use ehealth_core::actions::sequencer::{self, integrate_batch};
use ehealth_core::db::audit::{self, NewAuditEntry};
use ehealth_core::db::schema::audit_log;
use ehealth_core::db::{audit_tree, write_tx, Backend, DbConn};
use ehealth_core::domain::{Actor, ActorKind, AuditAction, AuditOutcome};
use ehealth_core::tlog::config::AuditConfig;
use ehealth_core::tlog::note::LogSigner;

use crate::fixtures::{self, now};
use crate::harness::{self, TestDb};

const THREADS: usize = 4;
const EACH: usize = 25;

fn signer() -> LogSigner {
    AuditConfig::default().signer().unwrap()
}

fn entry(who: &str, i: usize) -> NewAuditEntry {
    NewAuditEntry::new(
        AuditAction::RecordView,
        Actor::new(ActorKind::Hcprof, who.to_owned()),
        AuditOutcome::Granted,
    )
    .reason(format!("{who}/{i}"))
}

/// Once what is left is integrated: every entry is exactly one leaf, the leaf indexes
/// are 0..n, and the log verifies.
fn assert_each_entry_one_leaf(conn: &mut DbConn) {
    sequencer::drain(conn, &signer(), 1_000).unwrap();
    let seqs: Vec<i64> = audit_log::table
        .select(audit_log::seq)
        .order(audit_log::seq)
        .load(conn)
        .unwrap();
    let leaves = audit_tree::leaves_from(conn, 0, 100_000).unwrap();
    let indexes: Vec<i64> = leaves.iter().map(|(l, _)| *l).collect();
    assert_eq!(indexes, (0..seqs.len() as i64).collect::<Vec<_>>());
    let mut leaf_seqs: Vec<i64> = leaves.iter().map(|(_, s)| *s).collect();
    leaf_seqs.sort_unstable();
    assert_eq!(leaf_seqs, seqs, "each entry integrated exactly once");
    fixtures::assert_log_verifies(conn);
}

both_backends! {
    fn concurrent_appends_and_a_running_sequencer_lose_nothing(db: &TestDb) {
        let start = Barrier::new(THREADS + 1);
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let (start, db) = (&start, &db);
                s.spawn(move || {
                    let mut conn = db.conn();
                    start.wait();
                    for i in 0..EACH {
                        let e = entry(&format!("worker-{t}"), i);
                        write_tx(&mut conn, |c| Ok(audit::append(c, &e, now())?))
                            .unwrap_or_else(|e| panic!("append {t}/{i}: {e:?}"));
                    }
                });
            }
            let (start, db) = (&start, &db);
            s.spawn(move || {
                let mut conn = db.conn();
                start.wait();
                for _ in 0..20 {
                    sequencer::drain(&mut conn, &signer(), 9).unwrap();
                }
            });
        });
        let mut conn = db.conn();
        sequencer::drain(&mut conn, &signer(), 9).unwrap();
        assert_eq!(audit::count(&mut conn).unwrap(), (THREADS * EACH) as i64);
        assert_each_entry_one_leaf(&mut conn);
    }

    /// The first sequencer holds its batch open; the second, started meanwhile, does not
    /// integrate beside it: on PostgreSQL it finds the advisory lock taken and skips, on
    /// SQLite it waits for the write lock and then sees the first's work.
    fn a_second_sequencer_never_integrates_beside_the_first(db: &TestDb) {
        fixtures::append_entries(&mut db.conn(), 30);
        let (inside_tx, inside_rx) = mpsc::channel::<()>();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let second = std::thread::scope(|s| {
            s.spawn(|| {
                let hold = move || {
                    inside_tx.send(()).unwrap();
                    release_rx.recv().unwrap();
                };
                let first = integrate_batch(&mut db.conn(), &signer(), 20, now(), &hold).unwrap();
                assert_eq!(first.map(|b| b.integrated), Some(20));
            });
            inside_rx.recv().unwrap();
            let second = s.spawn(|| integrate_batch(&mut db.conn(), &signer(), 20, now(), &|| {}).unwrap());
            // Let the second reach the lock (it returns, or waits on SQLite) first.
            std::thread::sleep(Duration::from_millis(300));
            release_tx.send(()).unwrap();
            second.join().unwrap()
        });
        match db.backend() {
            Backend::Postgres => assert_eq!(second, None, "the advisory lock was held"),
            Backend::Sqlite => assert_eq!(second.map(|b| (b.integrated, b.tree_size)), Some((10, 30))),
        }
        let mut conn = db.conn();
        assert_each_entry_one_leaf(&mut conn);
    }

    fn two_sequencers_started_together_integrate_each_entry_once(db: &TestDb) {
        fixtures::append_entries(&mut db.conn(), 120);
        let start = Barrier::new(2);
        std::thread::scope(|s| {
            for _ in 0..2 {
                let (start, db) = (&start, &db);
                s.spawn(move || {
                    let mut conn = db.conn();
                    start.wait();
                    while audit_tree::pending_count(&mut conn).unwrap() > 0 {
                        integrate_batch(&mut conn, &signer(), 7, now(), &|| {}).unwrap();
                    }
                });
            }
        });
        assert_each_entry_one_leaf(&mut db.conn());
    }
}

/// PostgreSQL only: SQLite has one writer at a time, so there commits follow seq order.
/// Here a transaction takes seq 1, and commits only after seq 2 was committed and
/// integrated: seq 1 must still be integrated (as leaf 1), not skipped.
#[test]
fn postgres_entries_committed_out_of_seq_order_are_all_integrated() {
    harness::run(Backend::Postgres, harness::Test::Db(out_of_order));
}

fn out_of_order(db: &TestDb) {
    let (mut slow, mut fast) = (db.conn(), db.conn());
    let (taken_tx, taken_rx) = mpsc::channel::<i64>();
    let (commit_tx, commit_rx) = mpsc::channel::<()>();
    std::thread::scope(|s| {
        s.spawn(move || {
            write_tx(&mut slow, |c| {
                let e = audit::append(c, &entry("slow", 0), now())?;
                taken_tx.send(e.seq).unwrap();
                commit_rx.recv().unwrap();
                Ok(())
            })
            .unwrap();
        });
        let slow_seq = taken_rx.recv().unwrap();
        let fast_seq = write_tx(&mut fast, |c| {
            Ok(audit::append(c, &entry("fast", 0), now())?.seq)
        })
        .unwrap();
        assert!(fast_seq > slow_seq);
        sequencer::drain(&mut fast, &signer(), 100).unwrap();
        let leaves = audit_tree::leaves_from(&mut fast, 0, 10).unwrap();
        assert_eq!(leaves, vec![(0, fast_seq)], "only the committed entry");
        commit_tx.send(()).unwrap();
    });
    let mut conn = db.conn();
    sequencer::drain(&mut conn, &signer(), 100).unwrap();
    let leaves = audit_tree::leaves_from(&mut conn, 0, 10).unwrap();
    assert_eq!(leaves.len(), 2);
    assert_each_entry_one_leaf(&mut conn);
}
