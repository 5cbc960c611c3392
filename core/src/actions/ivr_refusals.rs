//! Refused voice-line webhooks (a missing or wrong Twilio signature), audited without
//! letting a flood of forged posts flood the audit log: per source (the TCP peer or the
//! address a trusted proxy names, never the forgeable `From`), the first refusal of a
//! window is audited at once, the repeats are only counted, and the count is audited as
//! one entry when the source's next window opens. Past the per-window maximum the
//! source is told to slow down (429).

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use crate::db::audit::{self, NewAuditEntry};
use crate::db::{attempts, to_db, write_tx, DbConn};
use crate::domain::{Actor, ActorKind, AuditAction, AuditOutcome};
use crate::error::CoreResult;
use crate::rules::AttemptState;

/// How refusals from one source are limited.
#[derive(Debug, Clone, Copy)]
pub struct RefusalPolicy {
    pub max_per_window: u32,
    pub window: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Refused (403).
    Refused,
    /// Refused, and the source is over its limit (429).
    RateLimited,
}

fn scope(source: &str) -> String {
    format!("webhook-source:{source}")
}

/// Counts a refused webhook from `source` at `path`; audits as described above.
pub fn refused(
    conn: &mut DbConn,
    policy: &RefusalPolicy,
    source: &str,
    path: &str,
    now: DateTime<Utc>,
) -> CoreResult<Refusal> {
    write_tx(conn, |conn| {
        let scope = scope(source);
        let state = attempts::load_for_update(conn, &scope, now)?;
        let window_over = now >= state.window_started_at + policy.window;
        if state.failures > 0 && !window_over {
            let next = AttemptState {
                failures: state.failures.saturating_add(1),
                ..state
            };
            attempts::save(conn, &scope, &next)?;
            return Ok(if next.failures > policy.max_per_window {
                Refusal::RateLimited
            } else {
                Refusal::Refused
            });
        }
        if state.failures > 1 {
            let details = json!({
                "source": source,
                "repeats": state.failures - 1,
                "window_started_at": to_db(state.window_started_at),
            });
            audit_refusal(conn, source, "twilio_signature_repeated", details, now)?;
        }
        let details = json!({ "source": source, "path": path });
        audit_refusal(conn, source, "twilio_signature", details, now)?;
        let first = AttemptState {
            failures: 1,
            ..AttemptState::fresh(now)
        };
        attempts::save(conn, &scope, &first)?;
        Ok(Refusal::Refused)
    })
}

fn audit_refusal(
    conn: &mut DbConn,
    source: &str,
    reason: &str,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let actor = Actor::new(ActorKind::Caller, format!("source:{source}"));
    let entry = NewAuditEntry::new(AuditAction::SignatureRejected, actor, AuditOutcome::Refused)
        .reason(reason)
        .details(details);
    audit::append(conn, &entry, now)?;
    Ok(())
}
