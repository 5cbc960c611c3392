//! A sequencer SIGKILLed in the middle of a batch loses nothing and, restarted,
//! integrates nothing twice: a batch is one transaction.

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::prelude::*;
use ehealth_core::db::audit::{self, NewAuditEntry};
use ehealth_core::db::schema::audit_leaves;
use ehealth_core::db::{audit_tree, write_tx, Backend};
use ehealth_core::domain::{Actor, ActorKind, AuditAction, AuditOutcome};
use ehealth_core::testing::{self, Start, TestDb};

const ENTRIES: usize = 50;

fn sequencer(db: &TestDb) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ehealth"));
    c.args(["audit", "sequence"])
        .env("DATABASE_URL", &db.url)
        .env("EHEALTH_DEMO", "0")
        .env_remove("EHEALTH_CONFIG");
    c
}

fn killed_mid_batch(backend: Backend) {
    let Some(db) = testing::open(backend, Start::Migrated) else {
        return;
    };
    let mut conn = db.conn();
    for i in 0..ENTRIES {
        let e = NewAuditEntry::new(
            AuditAction::SignIn,
            Actor::new(ActorKind::Patient, format!("p{i}")),
            AuditOutcome::Succeeded,
        );
        write_tx(&mut conn, |c| Ok(audit::append(c, &e, Utc::now())?)).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("in-batch");
    let mut child = sequencer(&db)
        .env("EHEALTH_TEST_SEQUENCER_STALL_FILE", &marker)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !marker.exists() {
        assert!(
            Instant::now() < deadline,
            "the sequencer never reached its commit"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    // The whole batch was written but not committed: none of it stays, all still pending.
    assert_eq!(audit_tree::leaf_count(&mut conn).unwrap(), 0);
    assert_eq!(
        audit_tree::pending_count(&mut conn).unwrap(),
        ENTRIES as i64
    );

    let out = sequencer(&db).arg("--once").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seqs: Vec<i64> = audit_leaves::table
        .order(audit_leaves::leaf_index)
        .select(audit_leaves::seq)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        seqs,
        (1..=ENTRIES as i64).collect::<Vec<_>>(),
        "each entry once, in order"
    );
    ehealth_core::testing::assert_log_verifies(&mut conn);
}

#[test]
fn sqlite_a_killed_sequencer_loses_nothing_and_integrates_nothing_twice() {
    killed_mid_batch(Backend::Sqlite);
}

#[test]
fn postgres_a_killed_sequencer_loses_nothing_and_integrates_nothing_twice() {
    killed_mid_batch(Backend::Postgres);
}
