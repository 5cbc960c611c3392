//! Every storage test runs twice, once per backend: `<area>::sqlite::<name>` on its own
//! SQLite file (WAL, pragmas and all, through `Database::connect`), and
//! `<area>::postgres::<name>` on its own PostgreSQL database cloned from a migrated
//! template (see `pg`). Without a PostgreSQL server the postgres half is skipped with a
//! notice, unless `EHEALTH_TEST_POSTGRES=required`.

use std::ops::Deref;

use ehealth_core::config::DatabaseConfig;
use ehealth_core::db::{Backend, Database, DbConn, PooledConn};
use tempfile::TempDir;

use crate::pg::{self, Availability, Start};

/// Declares storage tests that run on both backends. Each `fn` takes one of
/// `&mut DbConn` (a pooled connection to a migrated database), `&TestDb` (the database
/// itself, for tests that need several connections) or `&EmptyDb` (not migrated).
/// Use it once per module: it emits the modules `sqlite` and `postgres`.
macro_rules! both_backends {
    (@wrap $f:path, &mut DbConn) => {
        $crate::harness::Test::Conn($f)
    };
    (@wrap $f:path, &TestDb) => {
        $crate::harness::Test::Db($f)
    };
    (@wrap $f:path, &EmptyDb) => {
        $crate::harness::Test::Empty($f)
    };
    ($( $(#[$meta:meta])* fn $name:ident ( $arg:ident : $($ty:tt)+ ) $body:block )+) => {
        $( $(#[$meta])* fn $name($arg: $($ty)+) $body )+

        mod sqlite {
            $(
                #[test]
                fn $name() {
                    $crate::harness::run(
                        ehealth_core::db::Backend::Sqlite,
                        both_backends!(@wrap super::$name, $($ty)+),
                    );
                }
            )+
        }

        mod postgres {
            $(
                #[test]
                fn $name() {
                    $crate::harness::run(
                        ehealth_core::db::Backend::Postgres,
                        both_backends!(@wrap super::$name, $($ty)+),
                    );
                }
            )+
        }
    };
}

pub enum Test {
    Conn(fn(&mut DbConn)),
    Db(fn(&TestDb)),
    Empty(fn(&EmptyDb)),
}

/// A database of its own for one test; removed when dropped (the pool first).
pub struct TestDb {
    pub db: Database,
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
}

/// A test database on which no migration has run yet.
pub struct EmptyDb(pub TestDb);

impl Deref for EmptyDb {
    type Target = TestDb;
    fn deref(&self) -> &TestDb {
        &self.0
    }
}

pub fn run(backend: Backend, test: Test) {
    let start = match test {
        Test::Empty(_) => Start::Empty,
        Test::Conn(_) | Test::Db(_) => Start::Migrated,
    };
    let Some(db) = open(backend, start) else {
        return;
    };
    match test {
        Test::Conn(f) => f(&mut db.conn()),
        Test::Db(f) => f(&db),
        Test::Empty(f) => f(&EmptyDb(db)),
    }
}

/// Pool settings for tests: room for a handful of concurrent connections.
fn config(url: String) -> DatabaseConfig {
    DatabaseConfig {
        url,
        pool_size: 8,
        connect_timeout_secs: 10,
    }
}

fn open(backend: Backend, start: Start) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => Some(open_sqlite(start)),
        Backend::Postgres => open_postgres(start),
    }
}

fn open_sqlite(start: Start) -> TestDb {
    let dir = TempDir::new().unwrap_or_else(|e| panic!("temporary directory: {e}"));
    let url = format!("sqlite://{}", dir.path().join("ehealth.sqlite3").display());
    let db = Database::connect(&config(url.clone())).unwrap_or_else(|e| panic!("open {url}: {e}"));
    if start == Start::Migrated {
        db.migrate()
            .unwrap_or_else(|e| panic!("migrate {url}: {e}"));
    }
    TestDb {
        db,
        _place: Place::Sqlite(dir),
    }
}

fn open_postgres(start: Start) -> Option<TestDb> {
    let server = match pg::server() {
        Ok(Availability::Ready(server)) => server,
        Ok(Availability::Unreachable(reason)) => {
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
    let db = Database::connect(&config(url.clone()))
        .unwrap_or_else(|e| panic!("open {}: {e}", pg::redact(&url)));
    Some(TestDb {
        db,
        _place: Place::Postgres(guard),
    })
}

/// Runs backend-specific SQL (tampering, breaking a table) on a test connection.
pub fn exec(conn: &mut DbConn, sql: &str) {
    use diesel::connection::SimpleConnection;
    conn.batch_execute(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}
