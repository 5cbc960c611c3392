//! The audit log is append-only (triggers) and verifiable (a Merkle tree under signed
//! checkpoints). Someone with rights on the database can drop the triggers; `verify` must
//! then still name what was changed, deleted, reordered or inserted, a checkpoint not
//! signed by the key, and a tree that is not an extension of the one verified before.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use ehealth_core::actions::audit_verify::{self, VerifyReport};
use ehealth_core::actions::sequencer;
use ehealth_core::db::audit::AuditEntry;
use ehealth_core::db::schema::{audit_checkpoints, audit_leaves, audit_log};
use ehealth_core::db::{audit_tree, DbConn};
use ehealth_core::tlog::config::AuditConfig;
use ehealth_core::tlog::note::LogSigner;

use crate::fixtures::{append_entries, now};
use crate::harness::exec;

const ENTRIES: usize = 20;

fn signer() -> LogSigner {
    AuditConfig::default().signer().unwrap()
}

fn verify(conn: &mut DbConn, full: bool) -> VerifyReport {
    audit_verify::verify(conn, &signer().public(), full, now()).unwrap()
}

fn integrate(conn: &mut DbConn) {
    sequencer::drain(conn, &signer(), 7).unwrap();
}

/// What someone with database rights could do first.
fn drop_append_only_triggers(conn: &mut DbConn) {
    let sql = match conn {
        DbConn::Sqlite(_) => {
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; \
             DROP TRIGGER audit_leaves_no_update; DROP TRIGGER audit_leaves_no_delete; \
             DROP TRIGGER audit_tree_nodes_no_update; DROP TRIGGER audit_tree_nodes_no_delete;"
        }
        DbConn::Postgres(_) => {
            "DROP TRIGGER audit_log_no_change ON audit_log; \
             DROP TRIGGER audit_log_no_truncate ON audit_log; \
             DROP TRIGGER audit_leaves_no_change ON audit_leaves; \
             DROP TRIGGER audit_tree_nodes_no_change ON audit_tree_nodes;"
        }
    };
    exec(conn, sql);
}

/// 20 entries integrated (in batches of 7) and verified, then the triggers dropped.
fn tampered_log(conn: &mut DbConn) {
    append_entries(conn, ENTRIES);
    integrate(conn);
    let report = verify(conn, true);
    assert!(report.is_intact(), "{report:?}");
    drop_append_only_triggers(conn);
}

/// The problem a verify finds, with its leaf index and seq.
fn problem(conn: &mut DbConn, full: bool) -> (Option<u64>, Option<i64>, String) {
    let report = verify(conn, full);
    match report.problem {
        Some(p) => (p.leaf_index, p.seq, p.what),
        None => panic!("verify missed the tampering: {report:?}"),
    }
}

fn entries(conn: &mut DbConn) -> Vec<AuditEntry> {
    audit_log::table
        .order(audit_log::seq)
        .select(AuditEntry::as_select())
        .load(conn)
        .unwrap()
}

both_backends! {
    fn an_untouched_log_verifies_fully_then_incrementally(conn: &mut DbConn) {
        append_entries(conn, ENTRIES);
        integrate(conn);
        let full = verify(conn, true);
        assert!(full.is_intact(), "{full:?}");
        assert_eq!((full.tree_size, full.leaves_checked), (ENTRIES as u64, ENTRIES as u64));
        let leaves = audit_tree::leaves_from(conn, 0, 100).unwrap();
        let seqs: Vec<i64> = leaves.iter().map(|(_, s)| *s).collect();
        assert_eq!(seqs, (1..=ENTRIES as i64).collect::<Vec<_>>(), "leaves in seq order");

        append_entries(conn, 5);
        integrate(conn);
        let inc = verify(conn, false);
        assert!(inc.is_intact(), "{inc:?}");
        assert_eq!((inc.from_size, inc.tree_size, inc.leaves_checked), (20, 25, 5));
        let again = verify(conn, false);
        assert_eq!((again.from_size, again.leaves_checked), (25, 0));
    }

    fn the_triggers_refuse_update_and_delete(conn: &mut DbConn) {
        append_entries(conn, 3);
        integrate(conn);
        let before = entries(conn);
        let mut refused = vec![
            "UPDATE audit_log SET reason = 'edited' WHERE seq = 2",
            "DELETE FROM audit_log WHERE seq = 3",
            "DELETE FROM audit_log",
            "UPDATE audit_leaves SET seq = 3 WHERE leaf_index = 0",
            "DELETE FROM audit_leaves",
            "DELETE FROM audit_tree_nodes",
        ];
        if matches!(conn, DbConn::Postgres(_)) {
            refused.push("TRUNCATE audit_log");
        }
        for sql in refused {
            let err = conn.batch_execute(sql).expect_err(sql);
            assert!(err.to_string().contains("append-only"), "{sql}: {err}");
        }
        assert_eq!(entries(conn), before);
    }

    fn a_changed_entry_is_reported_at_its_leaf(conn: &mut DbConn) {
        tampered_log(conn);
        exec(conn, "UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 10");
        let (leaf, seq, what) = problem(conn, true);
        assert_eq!((leaf, seq), (Some(9), Some(10)), "{what}");
        assert!(what.contains("changed"), "{what}");
    }

    fn a_change_after_the_verified_checkpoint_is_found_incrementally(conn: &mut DbConn) {
        tampered_log(conn);
        append_entries(conn, 4);
        integrate(conn);
        exec(conn, "UPDATE audit_log SET outcome = 'refused' WHERE seq = 23");
        let (leaf, seq, _) = problem(conn, false);
        assert_eq!((leaf, seq), (Some(22), Some(23)));
    }

    fn a_changed_entry_with_its_leaf_hash_rewritten_breaks_the_checkpoint(conn: &mut DbConn) {
        tampered_log(conn);
        exec(conn, "UPDATE audit_log SET reason = 'edited' WHERE seq = 10");
        let edited = entries(conn).remove(9);
        let hash = ehealth_core::tlog::leaf::entry_leaf_hash(&edited);
        diesel::update(ehealth_core::db::schema::audit_tree_nodes::table.find((0, 9i64)))
            .set(ehealth_core::db::schema::audit_tree_nodes::hash.eq(hash.to_vec()))
            .execute(conn)
            .unwrap();
        let (_, _, what) = problem(conn, true);
        assert!(what.contains("do not hash to the checkpoint"), "{what}");
    }

    fn a_deleted_entry_is_reported(conn: &mut DbConn) {
        tampered_log(conn);
        exec(conn, "DELETE FROM audit_log WHERE seq = 10");
        let (leaf, seq, what) = problem(conn, true);
        assert_eq!((leaf, seq), (Some(9), Some(10)), "{what}");
        assert!(what.contains("deleted"), "{what}");
    }

    fn a_deleted_entry_and_leaf_are_reported(conn: &mut DbConn) {
        tampered_log(conn);
        exec(conn, "DELETE FROM audit_log WHERE seq = 20; DELETE FROM audit_leaves WHERE leaf_index = 19");
        let (leaf, _, what) = problem(conn, true);
        assert_eq!(leaf, Some(19), "{what}");
        assert!(what.contains("missing"), "{what}");
    }

    fn reordered_entries_are_reported(conn: &mut DbConn) {
        tampered_log(conn);
        exec(
            conn,
            "UPDATE audit_leaves SET seq = -5 WHERE leaf_index = 4; \
             UPDATE audit_leaves SET seq = 5 WHERE leaf_index = 11; \
             UPDATE audit_leaves SET seq = 12 WHERE leaf_index = 4;",
        );
        let (leaf, seq, what) = problem(conn, true);
        assert_eq!((leaf, seq), (Some(4), Some(12)), "{what}");
    }

    fn an_inserted_leaf_is_reported(conn: &mut DbConn) {
        tampered_log(conn);
        let mut forged = entries(conn).remove(3);
        forged.seq = 100;
        insert_raw(conn, &forged);
        exec(conn, "INSERT INTO audit_leaves (leaf_index, seq) VALUES (20, 100)");
        let (leaf, _, what) = problem(conn, true);
        assert_eq!(leaf, Some(20), "{what}");
        assert!(what.contains("inserted"), "{what}");
    }

    fn an_entry_slipped_in_behind_the_sequencer_is_reported(conn: &mut DbConn) {
        tampered_log(conn);
        let mut forged = entries(conn).remove(3);
        forged.seq = 50;
        insert_raw(conn, &forged);
        let (_, _, what) = problem(conn, true);
        assert!(what.contains("neither in the tree nor pending"), "{what}");
    }

    fn a_checkpoint_not_signed_by_the_key_is_reported(conn: &mut DbConn) {
        tampered_log(conn);
        let latest = audit_tree::latest_checkpoint(conn).unwrap().unwrap();
        let root: [u8; 32] = latest.root_hash.clone().try_into().unwrap();
        let impostor = LogSigner::from_seed(&AuditConfig::default().origin, &[42; 32]);
        diesel::update(audit_checkpoints::table.find(latest.tree_size))
            .set(audit_checkpoints::note.eq(impostor.checkpoint(latest.tree_size as u64, &root)))
            .execute(conn)
            .unwrap();
        for full in [true, false] {
            let (_, _, what) = problem(conn, full);
            assert!(what.contains("not signed by the log's key"), "{what}");
        }
    }

    /// An insider with the key rewrites history and signs the new tree: the rebuilt tree
    /// verifies on its own, but it does not extend the checkpoint verified before.
    fn a_rewritten_and_resigned_tree_is_not_an_extension(conn: &mut DbConn) {
        tampered_log(conn);
        exec(
            conn,
            "UPDATE audit_log SET reason = 'rewritten' WHERE seq = 3; \
             DELETE FROM audit_leaves; DELETE FROM audit_tree_nodes; \
             DELETE FROM audit_checkpoints; UPDATE audit_tree_head SET tree_size = 0; \
             INSERT INTO audit_pending (seq) SELECT seq FROM audit_log;",
        );
        integrate(conn);
        let (leaf, _, what) = problem(conn, false);
        assert!(what.contains("not an extension"), "{what}");
        assert_eq!(leaf, Some(20));
        assert_eq!(audit_leaves::table.count().get_result::<i64>(conn).unwrap(), 20);
    }
}

fn insert_raw(conn: &mut DbConn, e: &AuditEntry) {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::seq.eq(e.seq),
            audit_log::occurred_at.eq(e.occurred_at),
            audit_log::event.eq(&e.event),
            audit_log::actor_kind.eq(&e.actor_kind),
            audit_log::data_types.eq(&e.data_types),
            audit_log::outcome.eq(&e.outcome),
            audit_log::details.eq(&e.details),
            audit_log::prev_hash.eq(""),
            audit_log::hash.eq(""),
        ))
        .execute(conn)
        .unwrap();
}
