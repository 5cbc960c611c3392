//! Statements per request, from PostgreSQL's `pg_stat_statements` (issue 15: count the
//! round trips). Only where the server preloads the extension
//! (`shared_preload_libraries = 'pg_stat_statements'`); elsewhere it says so and counts
//! nothing. The counts are of the benchmark's own database, so they include the sequencer's
//! statements, shown on their own lines.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    query: String,
    #[diesel(sql_type = BigInt)]
    calls: i64,
}

pub struct Statements {
    conn: Option<PgConnection>,
}

impl Statements {
    pub fn open(url: &str) -> Self {
        let mut conn = PgConnection::establish(url).expect("statements connection");
        let loaded = conn
            .batch_execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            .and_then(|()| conn.batch_execute("SELECT pg_stat_statements_reset()"));
        match loaded {
            Ok(()) => Self { conn: Some(conn) },
            Err(e) => {
                println!("(statements per request not counted: pg_stat_statements: {e})");
                Self { conn: None }
            }
        }
    }

    pub fn reset(&mut self) {
        if let Some(c) = &mut self.conn {
            c.batch_execute("SELECT pg_stat_statements_reset()")
                .expect("reset");
        }
    }

    /// Prints the statements of the database since the last reset, per request.
    pub fn report(&mut self, what: &str, requests: usize) {
        let Some(c) = &mut self.conn else { return };
        let rows: Vec<Row> = diesel::sql_query(
            "SELECT query, calls FROM pg_stat_statements \
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             AND query NOT LIKE '%pg_stat_statements%' ORDER BY calls DESC",
        )
        .load(c)
        .expect("pg_stat_statements");
        let per = |calls: i64| calls as f64 / requests.max(1) as f64;
        let total: i64 = rows.iter().map(|r| r.calls).sum();
        println!(
            "  statements per {what}: {:.1} ({} requests)",
            per(total),
            requests
        );
        for r in rows.iter().filter(|r| per(r.calls) >= 0.05) {
            let text: String = r.query.split_whitespace().collect::<Vec<_>>().join(" ");
            let short: String = text.chars().take(110).collect();
            println!("    {:>5.2}  {short}", per(r.calls));
        }
    }
}
