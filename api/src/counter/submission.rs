//! Exactly once under a double click: a state-changing form carries a one-time form id;
//! the first post claims it and acts, a repeat waits for the first to finish and is shown
//! the state that the first left, without acting again.

use ehealth_core::ids::AccountId;
use std::time::{Duration, Instant};

use chrono::Utc;
use ehealth_core::db::{portal_submissions, DbConn};
use ehealth_core::CoreResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// This post acts; call `finish` after.
    First,
    /// The form was posted before; the first post has finished (or ran out of time).
    Repeat,
}

/// How long a repeat waits for the first post (an access-key check takes Argon2's time).
const WAIT: Duration = Duration::from_secs(15);

pub fn claim(conn: &mut DbConn, form_id: &str, account_id: &AccountId) -> CoreResult<Turn> {
    if portal_submissions::claim(conn, form_id, account_id, Utc::now())? {
        return Ok(Turn::First);
    }
    let started = Instant::now();
    while started.elapsed() < WAIT {
        if portal_submissions::finished(conn, form_id, account_id)? {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(Turn::Repeat)
}

pub fn finish(conn: &mut DbConn, form_id: &str) -> CoreResult<()> {
    portal_submissions::finish(conn, form_id, Utc::now())?;
    Ok(())
}
