//! Housekeeping: operational rows that have served their purpose are deleted, so that the
//! tables the services search stay small and personal data is not kept longer than
//! needed (PDPO data protection principle 2). Never the audit log, consents, patients or
//! anything a patient may ask about later: the audit log is the record of every access.
//!
//! - sessions, one-time codes and passkey ceremonies a day after they expired or ended;
//! - attempt counters a day after their last try, unless a lock still holds;
//! - delivered notification jobs, their delivery receipts and finished voice calls after
//!   `keep_days` (the window in which the Office answers "was I sent that message?").

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::db::jobs::DONE;
use crate::db::schema::{
    attempt_counters as ac, auth_ceremonies as ce, delivery_receipts as dr,
    notification_jobs as nj, one_time_codes as otc, sessions as se, voice_calls as vc,
};
use crate::db::{to_db, DbConn};
use crate::error::CoreResult;

/// Rows deleted by one `prune`, by kind.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub sessions: usize,
    pub codes: usize,
    pub ceremonies: usize,
    pub counters: usize,
    pub jobs: usize,
    pub receipts: usize,
    pub calls: usize,
}

impl Pruned {
    pub fn total(&self) -> usize {
        self.sessions
            + self.codes
            + self.ceremonies
            + self.counters
            + self.jobs
            + self.receipts
            + self.calls
    }
}

/// Deletes what is due at `now`; each table in its own short statement.
pub fn prune(conn: &mut DbConn, now: DateTime<Utc>, keep_days: u32) -> CoreResult<Pruned> {
    let day_ago = to_db(now - Duration::days(1));
    let kept_since = to_db(now - Duration::days(i64::from(keep_days)));
    let now_db = to_db(now);
    Ok(Pruned {
        sessions: diesel::delete(
            se::table.filter(se::expires_at.lt(day_ago).or(se::revoked_at.lt(day_ago))),
        )
        .execute(conn)?,
        codes: diesel::delete(otc::table.filter(otc::expires_at.lt(day_ago))).execute(conn)?,
        ceremonies: diesel::delete(ce::table.filter(ce::expires_at.lt(day_ago))).execute(conn)?,
        counters: diesel::delete(
            ac::table
                .filter(ac::updated_at.lt(day_ago))
                .filter(ac::locked_until.is_null().or(ac::locked_until.lt(now_db))),
        )
        .execute(conn)?,
        jobs: diesel::delete(
            nj::table
                .filter(nj::status.eq(DONE))
                .filter(nj::finished_at.lt(kept_since)),
        )
        .execute(conn)?,
        receipts: diesel::delete(dr::table.filter(dr::received_at.lt(kept_since))).execute(conn)?,
        calls: diesel::delete(vc::table.filter(vc::updated_at.lt(kept_since))).execute(conn)?,
    })
}
