//! Letters waiting for the daily print batch: queued by the notifier (one per postal
//! job), printed once by `ehealth postal batch`.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::postal_letters as pl;
use super::{to_db, DbConn};
use crate::domain::Language;
use crate::error::CoreError;
use crate::seal::SecretBox;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = pl)]
pub struct PostalLetter {
    pub job_id: String,
    /// The Hong Kong date (`YYYY-MM-DD`) whose batch prints the letter.
    pub mailing_date: String,
    pub recipient_name: String,
    pub address: String,
    pub language: Language,
    pub subject: String,
    /// Sealed (`seal_body`): the text may hold a first access key, and the row waits
    /// for the print batch. Cleared once printed.
    pub body: String,
    pub created_at: NaiveDateTime,
    pub printed_at: Option<NaiveDateTime>,
    /// The batch run that took the letter, its page in that run's PDF and the reference
    /// printed on it (set together when a run takes the letter).
    pub run_no: Option<i64>,
    pub page: Option<i32>,
    pub reference: Option<String>,
}

fn body_aad(job_id: &str) -> String {
    format!("letter:{job_id}")
}

/// The letter text as stored: sealed to its job, so the clear key is never written.
pub fn seal_body(sealer: &SecretBox, job_id: &str, body: &str) -> Result<String, CoreError> {
    sealer.seal(&body_aad(job_id), body)
}

/// Opens the bodies of letters read for printing (in memory). A body that is not sealed
/// (queued before sealing) is kept as it is.
pub fn open_bodies(sealer: &SecretBox, letters: &mut [PostalLetter]) -> Result<(), CoreError> {
    for letter in letters.iter_mut().filter(|l| SecretBox::is_sealed(&l.body)) {
        letter.body = sealer.open(&body_aad(&letter.job_id), &letter.body)?;
    }
    Ok(())
}

/// Queues a letter; a job retried after its letter was queued does not queue a second.
pub fn queue(conn: &mut DbConn, letter: &PostalLetter) -> QueryResult<bool> {
    let exists: i64 = pl::table
        .filter(pl::job_id.eq(&letter.job_id))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    diesel::insert_into(pl::table)
        .values(letter)
        .execute(conn)?;
    Ok(true)
}

/// Gives every letter of `mailing_date` that no run has taken yet to run `run_no`, then
/// numbers them (page order = the order they were queued) with `reference(page)`.
/// Returns how many it took. On PostgreSQL a concurrent run's taken letters are
/// re-checked after its commit (`run_no IS NULL` no longer holds), so no letter is
/// taken twice.
pub fn take_for_run(
    conn: &mut DbConn,
    mailing_date: &str,
    run_no: i64,
    reference: impl Fn(i32) -> String,
) -> QueryResult<usize> {
    diesel::update(
        pl::table
            .filter(pl::mailing_date.eq(mailing_date))
            .filter(pl::run_no.is_null()),
    )
    .set(pl::run_no.eq(Some(run_no)))
    .execute(conn)?;
    let ids: Vec<String> = pl::table
        .filter(pl::run_no.eq(run_no))
        .order((pl::created_at, pl::job_id))
        .select(pl::job_id)
        .load(conn)?;
    for (page, id) in (1..).zip(&ids) {
        diesel::update(pl::table.find(id))
            .set((
                pl::page.eq(Some(page)),
                pl::reference.eq(Some(reference(page))),
            ))
            .execute(conn)?;
    }
    Ok(ids.len())
}

/// The letters of a run, in page order.
pub fn of_run(conn: &mut DbConn, run_no: i64) -> QueryResult<Vec<PostalLetter>> {
    pl::table
        .filter(pl::run_no.eq(run_no))
        .order(pl::page)
        .select(PostalLetter::as_select())
        .load(conn)
}

/// Marks a run's letters printed and clears their text (it may hold an access key).
/// Only letters still waiting are marked; returns how many.
pub fn mark_printed(conn: &mut DbConn, run_no: i64, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(
        pl::table
            .filter(pl::run_no.eq(run_no))
            .filter(pl::printed_at.is_null()),
    )
    .set((pl::printed_at.eq(Some(to_db(now))), pl::body.eq("")))
    .execute(conn)
}

pub fn find(conn: &mut DbConn, job_id: &str) -> QueryResult<Option<PostalLetter>> {
    pl::table
        .find(job_id)
        .select(PostalLetter::as_select())
        .first(conn)
        .optional()
}
