//! The embedded migrations apply to an empty database, in order, and only once.

use diesel::prelude::*;
use ehealth_core::db::{audit, audit_tree};
use ehealth_core::db::{run_migrations, Backend, DbConn};

use crate::fixtures;
use crate::harness::EmptyDb;

diesel::table! {
    __diesel_schema_migrations (version) {
        version -> Text,
    }
}

/// The versions diesel derives from the migration folders of `backend`, in order.
fn expected_versions(backend: Backend) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations")
        .join(backend.name());
    let mut versions: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .map(|name| name.split('_').next().unwrap().replace('-', ""))
        .collect();
    versions.sort();
    versions
}

fn recorded_versions(conn: &mut DbConn) -> Vec<String> {
    __diesel_schema_migrations::table
        .select(__diesel_schema_migrations::version)
        .order(__diesel_schema_migrations::version)
        .load(conn)
        .unwrap()
}

both_backends! {
    fn migrations_apply_to_an_empty_database_once(db: &EmptyDb) {
        let mut conn = db.conn();
        assert!(
            audit::count(&mut conn).is_err(),
            "an empty database has no audit_log yet"
        );

        let applied = db.db.migrate().unwrap();
        let expected = expected_versions(db.backend());
        assert!(!expected.is_empty());
        assert_eq!(applied, expected, "every migration applies, in order");
        assert_eq!(recorded_versions(&mut conn), expected);
        assert_eq!(audit_tree::tree_size(&mut conn).unwrap(), 0);
        assert_eq!(fixtures::patient_count(&mut conn), 0);

        assert_eq!(db.db.migrate().unwrap(), Vec::<String>::new());
        assert_eq!(run_migrations(&mut conn).unwrap(), Vec::<String>::new());
        assert_eq!(recorded_versions(&mut conn), expected, "nothing recorded twice");
    }

    fn test_databases_start_fully_migrated(conn: &mut DbConn) {
        assert_eq!(run_migrations(conn).unwrap(), Vec::<String>::new());
        assert_eq!(audit_tree::tree_size(conn).unwrap(), 0);
        assert_eq!(fixtures::audit_pending(conn), 0);
        assert_eq!(fixtures::audit_count(conn), 0);
    }
}
