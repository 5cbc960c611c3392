//! Every storage test runs twice, once per backend: `<area>::sqlite::<name>` on its own
//! SQLite file (WAL, pragmas and all, through `Database::connect`), and
//! `<area>::postgres::<name>` on its own PostgreSQL database cloned from a migrated
//! template (see `pg`). Without a PostgreSQL server the postgres half is skipped with a
//! notice, unless `EHEALTH_TEST_POSTGRES=required`.

use std::ops::Deref;

use ehealth_core::db::{Backend, DbConn};
use ehealth_core::testing::{self, Start};

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

#[derive(Clone, Copy)]
pub enum Test {
    Conn(fn(&mut DbConn)),
    Db(fn(&TestDb)),
    Empty(fn(&EmptyDb)),
}

pub use ehealth_core::testing::TestDb;

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
    let Some(db) = testing::open(backend, start) else {
        return;
    };
    match test {
        Test::Conn(f) => f(&mut db.conn()),
        Test::Db(f) => f(&db),
        Test::Empty(f) => f(&EmptyDb(db)),
    }
}

/// Runs backend-specific SQL (tampering, breaking a table) on a test connection.
pub fn exec(conn: &mut DbConn, sql: &str) {
    use diesel::connection::SimpleConnection;
    conn.batch_execute(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}
