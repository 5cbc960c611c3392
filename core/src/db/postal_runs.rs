//! Runs of the postal print batch: each `ehealth postal batch` that finds letters gets the
//! next run number, and its files are named after it, so no run overwrites another's.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{postal_batch_runs as runs, postal_run_counter as counter};
use super::{to_db, DbConn};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = runs)]
pub struct PostalRun {
    pub run_no: i64,
    /// The Hong Kong date whose letters the run printed.
    pub mailing_date: String,
    pub letters: i32,
    pub created_at: NaiveDateTime,
    /// When its files were written and its letters marked printed; `None` while printing
    /// (or when the run stopped before: `ehealth postal reprint --run N` finishes it).
    pub printed_at: Option<NaiveDateTime>,
}

/// Hands out the next run number. The update takes the counter row's lock, so a
/// concurrent run waits for this transaction and then gets the number after it.
pub fn next_number(conn: &mut DbConn) -> QueryResult<i64> {
    diesel::update(counter::table.find(1))
        .set(counter::last_run.eq(counter::last_run + 1))
        .execute(conn)?;
    counter::table.find(1).select(counter::last_run).first(conn)
}

pub fn insert(conn: &mut DbConn, run: &PostalRun) -> QueryResult<()> {
    diesel::insert_into(runs::table)
        .values(run)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, run_no: i64) -> QueryResult<Option<PostalRun>> {
    runs::table
        .find(run_no)
        .select(PostalRun::as_select())
        .first(conn)
        .optional()
}

pub fn mark_printed(conn: &mut DbConn, run_no: i64, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(runs::table.find(run_no).filter(runs::printed_at.is_null()))
        .set(runs::printed_at.eq(Some(to_db(now))))
        .execute(conn)
}
