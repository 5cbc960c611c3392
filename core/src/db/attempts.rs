//! Counters of wrong guesses per scope (`account:<id>`, `provider:<id>`, `caller:<no>`).

use chrono::{NaiveDate, NaiveDateTime, Utc};
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
