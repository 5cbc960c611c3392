//! A pooled PostgreSQL connection that the server drops (a restart, a crash, an operator's
//! `pg_terminate_backend`) makes the request using it answer 503, never 500, and is never
//! handed out again. `scripts/postgres-outage-drill.sh` shows the same under load with a
//! real crash; this shows it in one test, without stopping the server.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use ehealth_core::config::DatabaseConfig;
use ehealth_core::db::{write_tx, Backend, Database, DbConn};
use ehealth_core::testing::{self, Start, TestDb};
use ehealth_core::{CoreError, ErrorKind};

fn backend_pid(conn: &mut DbConn) -> i32 {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>(
        "pg_backend_pid()",
    ))
    .get_result(conn)
    .expect("pid")
}

/// Ends the session behind `pid` from another connection, as an operator or a restart would.
fn terminate(db: &TestDb, pid: i32) {
    db.conn()
        .batch_execute(&format!("SELECT pg_terminate_backend({pid})"))
        .expect("terminate");
    std::thread::sleep(Duration::from_millis(200));
}

fn pool(url: &str) -> Database {
    Database::connect(&DatabaseConfig {
        url: url.to_owned(),
        pool_size: 2,
        connect_timeout_secs: 5,
    })
    .expect("pool")
}

/// The session ends in the middle of a write transaction: the statement fails, and so
/// does the ROLLBACK diesel then sends on the dead connection.
fn session_ends_mid_transaction(db: &TestDb, url: &str) {
    let database = pool(url);
    let mut conn = database.get().expect("a connection");
    let pid = backend_pid(&mut conn);
    let raw = conn
        .transaction::<(), diesel::result::Error, _>(|c| {
            terminate(db, pid);
            c.batch_execute("SELECT 1")
        })
        .expect_err("the session is gone");
    eprintln!("{url}: diesel reports the failed transaction as {raw:?}");
    assert_eq!(CoreError::from(raw).kind(), ErrorKind::Unavailable);
    drop(conn);

    let mut conn = database.get().expect("a connection");
    let pid = backend_pid(&mut conn);
    let e = write_tx(&mut conn, |c| {
        terminate(db, pid);
        c.batch_execute("SELECT 1")?;
        Ok(())
    })
    .expect_err("the session is gone");
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e:?}");
    assert_eq!(e.code(), "service_unavailable");
    drop(conn);

    // The dead connections went back to the pool; they must not be handed out again.
    for _ in 0..4 {
        let mut conn = database.get().expect("a working connection");
        backend_pid(&mut conn);
    }
    database.ping().expect("ready again, without a restart");
}

/// The session ends while a statement runs, as at `pg_ctl stop -m fast` or a crash.
fn session_ends_mid_statement(db: &TestDb, url: &str) {
    let database = pool(url);
    let mut conn = database.get().expect("a connection");
    let pid = backend_pid(&mut conn);
    let terminator = {
        let url = db.url.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            let mut admin = diesel::PgConnection::establish(&url).expect("admin");
            admin
                .batch_execute(&format!("SELECT pg_terminate_backend({pid})"))
                .expect("terminate");
        })
    };
    let raw = conn
        .batch_execute("SELECT pg_sleep(10)")
        .expect_err("the session is gone");
    terminator.join().expect("terminator");
    eprintln!("{url}: diesel reports a statement cut short as {raw:?}");
    assert_eq!(CoreError::from(raw).kind(), ErrorKind::Unavailable);
    drop(conn);
    database.ping().expect("ready again, without a restart");
}

#[test]
fn postgres_a_session_ended_by_the_server_is_unavailable_and_replaced() {
    let Some(db) = testing::open(Backend::Postgres, Start::Migrated) else {
        return;
    };
    // Test URLs disable TLS (see `testing::pg`); libpq words a dropped session
    // differently with and without it, so try both.
    let tls = db.url.replace("sslmode=disable", "sslmode=require");
    assert_ne!(tls, db.url, "the test URL names its sslmode");
    for url in [tls, db.url.clone()] {
        session_ends_mid_transaction(&db, &url);
        session_ends_mid_statement(&db, &url);
    }
}

/// The server ends an idle pooled session (a restart while nothing used the pool): the
/// pool, idle for longer than `RECHECK_WHEN_IDLE`, checks the connection before handing it
/// out and replaces it, so the next request works. (In its own test, so that no loss noted
/// by another test in this process makes the pool check anyway.)
#[test]
fn postgres_an_idle_session_ended_by_the_server_is_replaced_before_use() {
    let Some(db) = testing::open(Backend::Postgres, Start::Migrated) else {
        return;
    };
    let database = pool(&db.url);
    let mut conn = database.get().expect("a connection");
    let pid = backend_pid(&mut conn);
    drop(conn);
    terminate(&db, pid);
    std::thread::sleep(ehealth_core::db::pool_health::RECHECK_WHEN_IDLE);
    let mut conn = database.get().expect("a working connection");
    assert_ne!(
        backend_pid(&mut conn),
        pid,
        "a new session, not the ended one"
    );
}
