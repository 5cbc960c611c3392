//! The access key keyed at a webhook, verified before the webhook's transaction (issue 15):
//! that transaction holds the call's row lock, and on SQLite the database's one writer
//! lock, which must not wait through an Argon2id verification and its queue.

use chrono::{DateTime, Utc};
use ehealth_core::actions::access_key::Prechecked;
use ehealth_core::actions::ivr as ivr_actions;
use ehealth_core::db::calls;
use ehealth_core::db::DbConn;
use ehealth_core::error::CoreResult;
use ehealth_core::ids::AccessKey;
use ehealth_core::secret::HashTurn;

use super::identify::TypedClaim;
use super::{CallState, Step};
use crate::webhook::Webhook;

/// Whether the webhook keys an access key at the key step: then its Argon2 place is taken
/// before a database connection, so that a burst of keys is refused as busy at once
/// instead of queueing for the pool's connections.
pub fn keys_an_access_key(step: Option<&str>, webhook: &Webhook) -> bool {
    step == Some(Step::AccessKey.as_str())
        && webhook
            .param("Digits")
            .is_some_and(|d| AccessKey::parse(d).is_ok())
}

/// The key verified on `turn` against the claim the call has typed, read without a lock;
/// `None` if the call is not at the key step, or this webhook was answered already (a
/// retry), and then the place is given back. The transaction counts the try, and verifies
/// again only if the claim or the key changed meanwhile (`Prechecked::check`).
pub fn key(
    conn: &mut DbConn,
    webhook: &Webhook,
    digest: &str,
    turn: HashTurn<'_>,
    now: DateTime<Utc>,
) -> CoreResult<Option<Option<Prechecked>>> {
    let Some(sid) = webhook.param("CallSid") else {
        return Ok(None);
    };
    let Some(call) = calls::find(conn, sid)? else {
        return Ok(None);
    };
    if call.step != Step::AccessKey.as_str() || call.last_request_digest.as_deref() == Some(digest)
    {
        return Ok(None);
    }
    let state: Option<CallState> = serde_json::from_str(&call.state).ok();
    let typed = state
        .filter(|s| !s.as_sdm)
        .and_then(|s| TypedClaim::from_state(&call.from_number, &s));
    let key = webhook
        .param("Digits")
        .and_then(|d| AccessKey::parse(d).ok());
    let (Some(typed), Some(key)) = (typed, key) else {
        return Ok(None);
    };
    ivr_actions::precheck_key(conn, turn, &typed.claim(), &key, now).map(Some)
}
