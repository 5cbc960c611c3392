//! Migration 80 keeps the entries of the hash-chain log: they become the first leaves of
//! the tree, in their order, and the log verifies.

use diesel_migrations::MigrationHarness;
use ehealth_core::db::{self, audit_tree, DbConn};

use crate::fixtures;
use crate::harness::{exec, EmptyDb};

const FIRST_NEW: &str = "2026-12-01-000080";

/// Applies the migrations before issue 12's, one by one.
fn migrate_to_before_the_tree(conn: &mut DbConn) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/sqlite");
    let before = std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().as_ref() < FIRST_NEW)
        .count();
    for _ in 0..before {
        match conn {
            DbConn::Sqlite(c) => c.run_next_migration(db::SQLITE_MIGRATIONS).map(drop),
            DbConn::Postgres(c) => c.run_next_migration(db::POSTGRES_MIGRATIONS).map(drop),
        }
        .unwrap();
    }
}

both_backends! {
    fn chained_entries_become_the_first_leaves_in_order(db: &EmptyDb) {
        let mut conn = db.conn();
        migrate_to_before_the_tree(&mut conn);
        for seq in [1, 2, 3] {
            exec(
                &mut conn,
                &format!(
                    "INSERT INTO audit_log (seq, occurred_at, event, actor_kind, data_types, \
                     outcome, details, prev_hash, hash) VALUES ({seq}, '2026-03-03 02:15:00', \
                     'record_view', 'system', '', 'granted', 'null', 'p{seq}', 'h{seq}'); \
                     UPDATE audit_head SET last_seq = {seq}, last_hash = 'h{seq}';"
                ),
            );
        }
        db.db.migrate().unwrap();
        assert_eq!(fixtures::audit_pending(&mut conn), 3);
        fixtures::append_entries(&mut conn, 2);
        fixtures::assert_log_verifies(&mut conn);
        let leaves = audit_tree::leaves_from(&mut conn, 0, 10).unwrap();
        assert_eq!(leaves, vec![(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]);
    }
}
