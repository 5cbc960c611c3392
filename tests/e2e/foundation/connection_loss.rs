//! A pooled PostgreSQL connection that the server drops (a restart, a crash, an operator's
//! `pg_terminate_backend`) makes the request using it answer 503, never 500, and is never
//! handed out again. `scripts/postgres-outage-drill.sh` shows the same under load with a
//! real crash; this shows it in one test, without stopping the server.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use ehealth_core::config::DatabaseConfig;
use ehealth_core::db::{write_tx, Backend, Database, DbConn};
use ehealth_core::testing::{self, Start};
use ehealth_core::{CoreError, ErrorKind};

fn backend_pid(conn: &mut DbConn) -> i32 {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>(
        "pg_backend_pid()",
    ))
    .get_result(conn)
    .expect("pid")
}

/// Checks out a connection and has the server end its session under it.
fn terminated_connection(
    db: &testing::TestDb,
    database: &Database,
) -> (ehealth_core::db::PooledConn, i32) {
    let mut conn = database.get().expect("a connection");
    let pid = backend_pid(&mut conn);
    db.conn()
        .batch_execute(&format!("SELECT pg_terminate_backend({pid})"))
        .expect("terminate");
    std::thread::sleep(std::time::Duration::from_millis(200));
    (conn, pid)
}

#[test]
fn postgres_a_connection_dropped_by_the_server_is_unavailable_and_replaced() {
    let Some(db) = testing::open(Backend::Postgres, Start::Migrated) else {
        return;
    };
    let database = Database::connect(&DatabaseConfig {
        url: db.url.clone(),
        pool_size: 2,
        connect_timeout_secs: 5,
    })
    .expect("pool");

    // What diesel reports, before our mapping (logged for the reader of a failure).
    let (mut conn, _) = terminated_connection(&db, &database);
    let raw = conn
        .batch_execute("SELECT 1")
        .expect_err("the session is gone");
    eprintln!("diesel reports a terminated session as {raw:?}");
    assert_eq!(CoreError::from(raw).kind(), ErrorKind::Unavailable);
    drop(conn);

    // A write transaction, as a request runs it: BEGIN fails on the dead session.
    let (mut conn, old_pid) = terminated_connection(&db, &database);
    let e = write_tx(&mut conn, |c| {
        c.batch_execute("SELECT 1")?;
        Ok(())
    })
    .expect_err("the session is gone");
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e:?}");
    assert_eq!(e.code(), "service_unavailable");
    drop(conn);

    // The dead connection went back to the pool; it must not be handed out again.
    for _ in 0..4 {
        let mut conn = database.get().expect("a working connection");
        assert_ne!(
            backend_pid(&mut conn),
            old_pid,
            "the dead connection was handed out"
        );
    }
    database.ping().expect("ready again, without a restart");
}
