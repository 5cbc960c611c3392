//! Test support (feature `test-support`): a database of its own for each test, on either
//! backend. SQLite: a fresh file in a temporary folder. PostgreSQL: a database cloned from
//! a migrated template (see `pg`), dropped when the test ends. Without a PostgreSQL server
//! the postgres half of a suite is skipped with a notice, unless
//! `EHEALTH_TEST_POSTGRES=required`.
#![allow(clippy::expect_used, clippy::unwrap_used)]

pub mod pg;

use tempfile::TempDir;

use crate::config::{Config, DatabaseConfig};
use crate::db::{Backend, Database, PooledConn};
use crate::secret::Argon2Cost;

pub use pg::Start;

/// A database of its own for one test; removed when dropped.
pub struct TestDb {
    pub db: Database,
    /// The URL `db` was opened with, for tests that open more pools or processes.
    pub url: String,
    _place: Place,
}

enum Place {
    Sqlite(#[allow(dead_code)] TempDir),
    Postgres(#[allow(dead_code)] pg::DropGuard),
}

impl TestDb {
    pub fn conn(&self) -> PooledConn {
        self.db
            .get()
            .unwrap_or_else(|e| panic!("connection to the test database: {e}"))
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// A development configuration pointing at this database, with a cheap Argon2 cost
    /// so that tests spend their time on behaviour, not on hashing.
    pub fn config(&self) -> Config {
        let mut config = Config {
            database: database_config(self.url.clone()),
            demo_on_first_start: false,
            ..Config::default()
        };
        config.security.argon2 = cheap_argon2();
        config
    }
}

pub fn cheap_argon2() -> Argon2Cost {
    Argon2Cost {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
    }
}

fn database_config(url: String) -> DatabaseConfig {
    DatabaseConfig {
        url,
        pool_size: 8,
        connect_timeout_secs: 10,
    }
}

/// A fresh database on `backend`, migrated or empty; `None` when PostgreSQL is not
/// reachable and not required (the notice is printed).
pub fn open(backend: Backend, start: Start) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => Some(open_sqlite(start)),
        Backend::Postgres => open_postgres(start),
    }
}

fn open_sqlite(start: Start) -> TestDb {
    let dir = TempDir::new().unwrap_or_else(|e| panic!("temporary directory: {e}"));
    let url = format!("sqlite://{}", dir.path().join("ehealth.sqlite3").display());
    let db = Database::connect(&database_config(url.clone()))
        .unwrap_or_else(|e| panic!("open {url}: {e}"));
    if start == Start::Migrated {
        db.migrate()
            .unwrap_or_else(|e| panic!("migrate {url}: {e}"));
    }
    TestDb {
        db,
        url,
        _place: Place::Sqlite(dir),
    }
}

fn open_postgres(start: Start) -> Option<TestDb> {
    let server = match pg::server() {
        Ok(pg::Availability::Ready(server)) => server,
        Ok(pg::Availability::Unreachable(reason)) => {
            let url = pg::redact(&pg::server_url());
            assert!(
                !pg::required(),
                "PostgreSQL is required ({}=required) but there is no server at {url}: {reason}",
                pg::REQUIRED_VAR
            );
            println!("PostgreSQL suite skipped: no server at {url}: {reason}");
            return None;
        }
        Err(e) => panic!("PostgreSQL test setup failed: {e}"),
    };
    let (url, guard) = server.create_database(start);
    let db = Database::connect(&database_config(url.clone()))
        .unwrap_or_else(|e| panic!("open {}: {e}", pg::redact(&url)));
    Some(TestDb {
        db,
        url,
        _place: Place::Postgres(guard),
    })
}

/// Integrates every pending audit entry with the development key, then verifies the whole
/// log: what the old hash-chain `verify` asserted, for the verifiable log.
#[allow(clippy::unwrap_used)]
pub fn assert_log_verifies(conn: &mut crate::db::DbConn) {
    let signer = crate::tlog::config::AuditConfig::default()
        .signer()
        .unwrap();
    crate::actions::sequencer::drain(conn, &signer, 1_000).unwrap();
    let report =
        crate::actions::audit_verify::verify(conn, &signer.public(), true, chrono::Utc::now())
            .unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(crate::db::audit_tree::pending_count(conn).unwrap(), 0);
}
