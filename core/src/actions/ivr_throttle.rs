//! The voice line's throttles on wrong identities (issue 11): per caller number, per
//! identifier keyed (eHR number or HKIC digits, whether or not anyone has it) and for the
//! whole line. They are checked before any detail is and counted on every wrong identity,
//! so the answer says nothing about which detail was wrong.

use chrono::{DateTime, Utc};

use super::ivr::{audit_try, Claim, ClaimedId, Identification};
use crate::config::SecurityConfig;
use crate::db::{attempts, DbConn};
use crate::domain::AuditOutcome;
use crate::error::CoreResult;
use crate::rules::{Gate, LockoutPolicy};

fn caller_scope(caller: &str) -> String {
    format!("caller:{caller}")
}

fn identifier_scope(id: &ClaimedId) -> String {
    format!("ivr-id:{}", id.as_str())
}

const GLOBAL_SCOPE: &str = "ivr:global";

fn global_policy(security: &SecurityConfig) -> LockoutPolicy {
    LockoutPolicy {
        max_failures: security.ivr_global_max_failures,
        ..security.account_policy()
    }
}

/// The caller's number, the identifier or the whole line locked: checked before any
/// detail, with the same answer whatever the details. The caller's row is locked so that
/// one caller's tries are counted one after another; the others are only read (a lock on
/// the global row would queue every identification of the line behind each other).
pub(crate) fn throttled(
    conn: &mut DbConn,
    claim: &Claim<'_>,
    now: DateTime<Utc>,
) -> CoreResult<Option<Identification>> {
    let caller = attempts::load_for_update(conn, &caller_scope(claim.caller), now)?;
    let (outcome, reason) = if matches!(caller.gate(now), Gate::Locked(_)) {
        (Identification::CallerLocked, "ivr_caller_locked")
    } else if locked(conn, &identifier_scope(claim.id), now)? {
        (Identification::Throttled, "ivr_identifier_locked")
    } else if locked(conn, GLOBAL_SCOPE, now)? {
        (Identification::Throttled, "ivr_line_locked")
    } else {
        return Ok(None);
    };
    audit_try(conn, claim, None, AuditOutcome::Locked, reason, now)?;
    Ok(Some(outcome))
}

/// Whether `throttled` would refuse, reading only: to spare the slow key check of a try
/// that will be refused (the transaction decides, with the caller's row locked).
pub(crate) fn looks_throttled(
    conn: &mut DbConn,
    claim: &Claim<'_>,
    now: DateTime<Utc>,
) -> CoreResult<bool> {
    let scopes = [
        caller_scope(claim.caller),
        identifier_scope(claim.id),
        GLOBAL_SCOPE.to_owned(),
    ];
    for scope in &scopes {
        if locked(conn, scope, now)? {
            return Ok(true);
        }
    }
    Ok(false)
}

fn locked(conn: &mut DbConn, scope: &str, now: DateTime<Utc>) -> CoreResult<bool> {
    let state = attempts::load(conn, scope)?;
    Ok(state.is_some_and(|s| matches!(s.gate(now), Gate::Locked(_))))
}

/// Counts a wrong identity against the caller's number, the identifier keyed and the
/// whole line; `Some` if this one locked one of them.
pub(crate) fn count_wrong_identity(
    conn: &mut DbConn,
    security: &SecurityConfig,
    claim: &Claim<'_>,
    now: DateTime<Utc>,
) -> CoreResult<Option<Identification>> {
    let per_caller = security.account_policy();
    let counted = [
        (
            caller_scope(claim.caller),
            per_caller,
            "ivr_caller_locked_now",
        ),
        (
            identifier_scope(claim.id),
            per_caller,
            "ivr_identifier_locked_now",
        ),
        (
            GLOBAL_SCOPE.to_owned(),
            global_policy(security),
            "ivr_line_locked_now",
        ),
    ];
    let mut outcome = None;
    for (scope, policy, reason) in counted {
        let state = attempts::load_for_update(conn, &scope, now)?;
        let (next, newly_locked) = state.after_failure(&policy, now);
        attempts::save(conn, &scope, &next)?;
        if newly_locked {
            audit_try(conn, claim, None, AuditOutcome::Locked, reason, now)?;
            let locked = if reason == "ivr_caller_locked_now" {
                Identification::CallerLocked
            } else {
                Identification::Throttled
            };
            outcome = outcome.or(Some(locked));
        }
    }
    Ok(outcome)
}
