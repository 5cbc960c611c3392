//! The call flow: a state machine kept in the `voice_calls` row of each call, so that any
//! ivr instance can answer any step. Each answer carries a turn number in its action URL
//! (`?n=`): a retried webhook (same turn, same parameters) gets the answer already given,
//! and a stale one gets the latest answer, so nothing is done twice.

mod identify;
mod menu;
pub mod precheck;
pub mod turn;

use chrono::{DateTime, Utc};
use ehealth_core::context::Services;
use ehealth_core::db::calls::{self, VoiceCall};
use ehealth_core::db::{to_db, write_tx, DbConn};
use ehealth_core::error::{CoreError, CoreResult};
use ehealth_core::ids::SdmId;
use ehealth_core::secret::{sha256_hex, HashTurn};
use serde::{Deserialize, Serialize};

pub use turn::Turn;

use crate::twiml::Response;
use crate::webhook::Webhook;

/// Where a call is. Stored as text in `voice_calls.step` and named in action URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Language,
    EhrNumber,
    SdmId,
    SdmPatient,
    DateOfBirth,
    AccessKey,
    Code,
    Menu,
    GiveProvider,
    GiveType,
    GiveConfirm,
    RevokeProvider,
    RevokeConfirm,
    NewKeyConfirm,
    Goodbye,
}

impl Step {
    pub const ALL: [Step; 15] = [
        Step::Language,
        Step::EhrNumber,
        Step::SdmId,
        Step::SdmPatient,
        Step::DateOfBirth,
        Step::AccessKey,
        Step::Code,
        Step::Menu,
        Step::GiveProvider,
        Step::GiveType,
        Step::GiveConfirm,
        Step::RevokeProvider,
        Step::RevokeConfirm,
        Step::NewKeyConfirm,
        Step::Goodbye,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Language => "language",
            Step::EhrNumber => "ehr-number",
            Step::SdmId => "sdm-id",
            Step::SdmPatient => "sdm-patient",
            Step::DateOfBirth => "date-of-birth",
            Step::AccessKey => "access-key",
            Step::Code => "code",
            Step::Menu => "menu",
            Step::GiveProvider => "give-provider",
            Step::GiveType => "give-type",
            Step::GiveConfirm => "give-confirm",
            Step::RevokeProvider => "revoke-provider",
            Step::RevokeConfirm => "revoke-confirm",
            Step::NewKeyConfirm => "new-key-confirm",
            Step::Goodbye => "goodbye",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|step| step.as_str() == s)
    }
}

/// The working data of a call between webhooks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CallState {
    /// Incremented with every answer; action URLs carry it.
    pub turn: u32,
    /// The eHR number or HKIC digits keyed.
    pub identifier: Option<String>,
    pub date_of_birth: Option<String>,
    pub provider_id: Option<String>,
    /// The provider's name as read to this caller.
    pub provider_name: Option<String>,
    pub consent_type: Option<String>,
    /// Identified by a one-time code: only a new access key may be generated.
    pub key_only: bool,
    /// Wrong identities so far in this call.
    pub identity_failures: u32,
    /// The caller chose to identify as a substitute decision maker (issue 14).
    pub as_sdm: bool,
    /// The eHR number of the patient the SDM says they act for.
    pub sdm_patient_ehr: Option<String>,
    /// The challenge of the code sent to the SDM's own mobile (or a decoy).
    pub sdm_challenge: Option<String>,
    /// The identified SDM: every act of the call is theirs, for the patient.
    pub sdm_id: Option<SdmId>,
}

/// Answers one voice webhook: the TwiML to send. The whole answer is one transaction
/// under the call's row lock, the step's use case (consent, key, identity check)
/// included: a copy of the webhook arriving meanwhile waits, then finds this answer
/// stored and is given it, so the step is done once however many copies arrive. An access
/// key is verified before that transaction, on `key_turn` (`precheck`).
pub fn answer(
    services: &Services,
    conn: &mut DbConn,
    step: Option<&str>,
    webhook: &Webhook,
    key_turn: Option<HashTurn<'_>>,
    now: DateTime<Utc>,
) -> CoreResult<String> {
    let Some(call_sid) = webhook.param("CallSid") else {
        return Ok(Response::new().push(crate::twiml::Verb::Hangup).render());
    };
    let digest = request_digest(webhook);
    let key_prechecked = match key_turn {
        Some(turn) => precheck::key(conn, webhook, &digest, turn, now)?,
        None => None,
    };
    let fresh = new_call(call_sid, webhook.param("From").unwrap_or(""), now)?;
    write_tx(conn, |conn| {
        let call = calls::lock_or_insert(conn, &fresh)?;
        if let Some(replay) = replay(&call, &digest, webhook) {
            return Ok(replay);
        }
        let read_at = call.updated_at;
        let mut turn = Turn::new(services, conn, call, now)?;
        turn.key_prechecked = key_prechecked;
        let response = turn.advance(step.and_then(Step::parse), webhook.param("Digits"))?;
        let twiml = response.render();
        let mut call = turn.finish()?;
        call.last_request_digest = Some(digest);
        call.last_response = Some(twiml.clone());
        call.updated_at = to_db(now);
        if calls::save(conn, &call, read_at)? == 0 {
            // Cannot happen under the row lock; refuse rather than answer unrecorded.
            return Err(CoreError::Internal(
                "voice call changed under its lock".into(),
            ));
        }
        Ok(twiml)
    })
}

/// The answer already given, for a retried or stale webhook.
fn replay(call: &VoiceCall, digest: &str, webhook: &Webhook) -> Option<String> {
    let last = call.last_response.clone()?;
    if call.last_request_digest.as_deref() == Some(digest) {
        return Some(last);
    }
    // A state that cannot be read is not replayed over: the turn reports the fault.
    let state: CallState = serde_json::from_str(&call.state).ok()?;
    let turn = turn_of(&webhook.path_and_query);
    (turn != Some(state.turn)).then_some(last)
}

fn turn_of(path_and_query: &str) -> Option<u32> {
    let query = path_and_query.split_once('?')?.1;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("n="))
        .and_then(|n| n.parse().ok())
}

fn request_digest(webhook: &Webhook) -> String {
    let mut params = webhook.params.clone();
    params.sort();
    let mut text = webhook.path_and_query.clone();
    for (k, v) in params {
        text.push('\n');
        text.push_str(&k);
        text.push('=');
        text.push_str(&v);
    }
    sha256_hex(text.as_bytes())
}

fn new_call(call_sid: &str, from: &str, now: DateTime<Utc>) -> CoreResult<VoiceCall> {
    let state = serde_json::to_string(&CallState::default())
        .map_err(|e| CoreError::Internal(e.to_string()))?;
    Ok(VoiceCall {
        call_sid: call_sid.to_owned(),
        from_number: from.to_owned(),
        language: None,
        step: Step::Language.as_str().to_owned(),
        state,
        patient_id: None,
        retries: 0,
        last_request_digest: None,
        last_response: None,
        call_status: None,
        created_at: to_db(now),
        updated_at: to_db(now),
        ended_at: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_round_trip_and_turns_are_read_from_the_query() {
        for step in Step::ALL {
            assert_eq!(Step::parse(step.as_str()), Some(step));
        }
        assert_eq!(turn_of("/ivr/voice/menu?n=12"), Some(12));
        assert_eq!(turn_of("/ivr/voice/menu?x=1&n=3"), Some(3));
        assert_eq!(turn_of("/ivr/voice"), None);
    }
}
