//! Counters of wrong guesses per scope (`account:<id>`, `provider:<id>`, `caller:<no>`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::attempt_counters as ac;
use super::{from_db, to_db, DbConn};
use crate::rules::{AttemptState, Lock};

/// How "locked until reset" is stored: the last representable day.
fn until_reset() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or(NaiveDateTime::MAX)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ac)]
struct Row {
    failures: i32,
    window_started_at: NaiveDateTime,
    locked_until: Option<NaiveDateTime>,
}

pub fn load(conn: &mut DbConn, scope: &str) -> QueryResult<Option<AttemptState>> {
    let row: Option<Row> = ac::table
        .find(scope)
        .select(Row::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(|r| AttemptState {
        failures: u32::try_from(r.failures).unwrap_or(0),
        window_started_at: from_db(r.window_started_at),
        lock: r.locked_until.map(|t| {
            if t >= until_reset() {
                Lock::UntilReset
            } else {
                Lock::Until(from_db(t))
            }
        }),
    }))
}

/// Takes the scope's row lock until the transaction ends, creating an empty row the first
/// time, then reads the state. Concurrent tries on one scope are thereby counted one after
/// another: without the lock two transactions on PostgreSQL read the same count and both
/// write count + 1 (or the second insert of a new scope fails). SQLite's write
/// transactions are serial already.
pub fn load_for_update(
    conn: &mut DbConn,
    scope: &str,
    now: DateTime<Utc>,
) -> QueryResult<AttemptState> {
    let touch = |conn: &mut DbConn| {
        diesel::update(ac::table.find(scope))
            .set(ac::scope.eq(ac::scope))
            .execute(conn)
    };
    if touch(conn)? == 0 {
        let insert = diesel::insert_into(ac::table)
            .values((
                ac::scope.eq(scope),
                ac::failures.eq(0),
                ac::window_started_at.eq(to_db(now)),
                ac::locked_until.eq(None::<NaiveDateTime>),
                ac::updated_at.eq(to_db(now)),
            ))
            .on_conflict(ac::scope)
            .do_nothing();
        super::insert_or_ignore(conn, insert)?;
        // Another transaction may have made the row first: wait for its lock.
        touch(conn)?;
    }
    Ok(load(conn, scope)?.unwrap_or_else(|| AttemptState::fresh(now)))
}

/// Writes the state (update, or insert the first time).
pub fn save(conn: &mut DbConn, scope: &str, state: &AttemptState) -> QueryResult<()> {
    let locked_until = state.lock.map(|l| match l {
        Lock::UntilReset => until_reset(),
        Lock::Until(t) => to_db(t),
    });
    let failures = i32::try_from(state.failures).unwrap_or(i32::MAX);
    let now = to_db(Utc::now());
    let updated = diesel::update(ac::table.find(scope))
        .set((
            ac::failures.eq(failures),
            ac::window_started_at.eq(to_db(state.window_started_at)),
            ac::locked_until.eq(locked_until),
            ac::updated_at.eq(now),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(ac::table)
            .values((
                ac::scope.eq(scope),
                ac::failures.eq(failures),
                ac::window_started_at.eq(to_db(state.window_started_at)),
                ac::locked_until.eq(locked_until),
                ac::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn clear(conn: &mut DbConn, scope: &str) -> QueryResult<usize> {
    diesel::delete(ac::table.find(scope)).execute(conn)
}
