//! The audit log is append-only (triggers) and tamper-evident (hash chain). Someone with
//! rights on the database can drop the triggers; `verify` must then still find where the
//! log was changed, cut or reordered.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use ehealth_core::db::audit::{self, AuditEntry, ChainBreak, GENESIS_HASH};
use ehealth_core::db::schema::audit_log;
use ehealth_core::db::DbConn;

use crate::fixtures::{self, append_entries};
use crate::harness::exec;

const ENTRIES: usize = 20;

/// What someone with database rights could do first.
fn drop_append_only_triggers(conn: &mut DbConn) {
    let sql = match conn {
        DbConn::Sqlite(_) => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
        DbConn::Postgres(_) => {
            "DROP TRIGGER audit_log_no_change ON audit_log; \
             DROP TRIGGER audit_log_no_truncate ON audit_log;"
        }
    };
    exec(conn, sql);
}

fn tampered_log(conn: &mut DbConn) {
    append_entries(conn, ENTRIES);
    assert!(audit::verify(conn).unwrap().is_intact());
    drop_append_only_triggers(conn);
}

fn first_break(conn: &mut DbConn) -> ChainBreak {
    let report = audit::verify(conn).unwrap();
    match report.first_break {
        Some(b) => b,
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
    fn an_untouched_chain_verifies(conn: &mut DbConn) {
        append_entries(conn, ENTRIES);
        let report = audit::verify(conn).unwrap();
        assert!(report.is_intact(), "{report:?}");
        assert_eq!((report.entries, report.last_seq), (ENTRIES as u64, ENTRIES as i64));

        let log = entries(conn);
        assert_eq!(log[0].prev_hash, GENESIS_HASH);
        for pair in log.windows(2) {
            assert_eq!(pair[1].seq, pair[0].seq + 1);
            assert_eq!(pair[1].prev_hash, pair[0].hash);
        }
        assert_eq!(fixtures::audit_head(conn), (20, log[ENTRIES - 1].hash.clone()));
    }

    fn the_triggers_refuse_update_and_delete(conn: &mut DbConn) {
        append_entries(conn, 3);
        let before = entries(conn);
        let mut refused = vec![
            "UPDATE audit_log SET reason = 'edited' WHERE seq = 2",
            "DELETE FROM audit_log WHERE seq = 3",
            "DELETE FROM audit_log",
        ];
        if matches!(conn, DbConn::Postgres(_)) {
            refused.push("TRUNCATE audit_log");
        }
        for sql in refused {
            let err = conn.batch_execute(sql).expect_err(sql);
            assert!(err.to_string().contains("append-only"), "{sql}: {err}");
        }
        assert_eq!(entries(conn), before);
        assert!(audit::verify(conn).unwrap().is_intact());
    }

    fn a_changed_field_is_reported_at_its_entry(conn: &mut DbConn) {
        tampered_log(conn);
        exec(conn, "UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 10");
        let b = first_break(conn);
        assert_eq!(b.seq, 10, "{b:?}");
    }

    fn a_changed_entry_with_a_recomputed_hash_is_reported_at_the_next(conn: &mut DbConn) {
        tampered_log(conn);
        let mut row = entries(conn).remove(9);
        row.outcome = "refused".to_owned();
        row.hash = row.computed_hash();
        diesel::update(audit_log::table.find(10))
            .set((audit_log::outcome.eq(&row.outcome), audit_log::hash.eq(&row.hash)))
            .execute(conn)
            .unwrap();
        let b = first_break(conn);
        assert_eq!(b.seq, 11, "{b:?}");
    }

    fn a_deleted_middle_entry_is_reported(conn: &mut DbConn) {
        tampered_log(conn);
        exec(conn, "DELETE FROM audit_log WHERE seq = 10");
        let b = first_break(conn);
        assert_eq!(b.seq, 10, "{b:?}");
    }

    fn a_deleted_last_entry_is_reported(conn: &mut DbConn) {
        tampered_log(conn);
        exec(conn, "DELETE FROM audit_log WHERE seq = 20");
        let report = audit::verify(conn).unwrap();
        assert_eq!(report.entries, 19);
        let b = report.first_break.expect("the head still names entry 20");
        assert_eq!(b.seq, 20, "{b:?}");
    }

    fn swapped_entries_are_reported(conn: &mut DbConn) {
        tampered_log(conn);
        exec(
            conn,
            "UPDATE audit_log SET seq = -5 WHERE seq = 5; \
             UPDATE audit_log SET seq = 5 WHERE seq = 12; \
             UPDATE audit_log SET seq = 12 WHERE seq = -5;",
        );
        let b = first_break(conn);
        assert_eq!(b.seq, 5, "{b:?}");
    }
}
