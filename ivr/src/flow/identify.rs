//! The first steps of a call: the language, then who is calling (eHR number, date of
//! birth, and the access key or a one-time code).

use chrono::NaiveDate;
use ehealth_core::actions::ivr::{self as ivr_actions, Claim, ClaimedId, Identification, Proof};
use ehealth_core::error::CoreResult;
use ehealth_core::ids::{AccessKey, OneTimeCode};

use super::{Step, Turn};
use crate::texts::Voice;
use crate::twiml::Response;

/// Wrong identities in one call before it is ended.
const MAX_IDENTITY_FAILURES: u32 = 3;
/// Keyed at the access-key step by a caller who needs a new key.
const WANTS_CODE: &str = "0";

pub fn language(turn: &mut Turn<'_>, digits: &str) -> Response {
    match Voice::from_key(digits) {
        Some(voice) => {
            turn.call.language = Some(voice.code().to_owned());
            turn.go(Step::EhrNumber, Vec::new())
        }
        None => turn.retry_in_every_voice(),
    }
}

pub fn ehr_number(turn: &mut Turn<'_>, digits: &str) -> Response {
    match ClaimedId::parse(digits) {
        Some(id) => {
            turn.state.identifier = Some(id.as_str().to_owned());
            turn.go(Step::DateOfBirth, Vec::new())
        }
        None => turn.retry(turn.script().not_understood),
    }
}

pub fn date_of_birth(turn: &mut Turn<'_>, digits: &str) -> Response {
    let parsed = (digits.len() == 8)
        .then(|| NaiveDate::parse_from_str(digits, "%d%m%Y").ok())
        .flatten();
    match parsed {
        Some(date) => {
            turn.state.date_of_birth = Some(date.format("%Y-%m-%d").to_string());
            turn.go(Step::AccessKey, Vec::new())
        }
        None => turn.retry(turn.script().not_understood),
    }
}

pub fn access_key(turn: &mut Turn<'_>, digits: &str) -> CoreResult<Response> {
    if digits == WANTS_CODE {
        return send_code(turn);
    }
    let Ok(key) = AccessKey::parse(digits) else {
        return Ok(turn.retry(turn.script().not_understood));
    };
    identified(turn, &Proof::Key(key))
}

pub fn code(turn: &mut Turn<'_>, digits: &str) -> CoreResult<Response> {
    let Ok(code) = OneTimeCode::parse(digits) else {
        return Ok(turn.retry(turn.script().not_understood));
    };
    identified(turn, &Proof::Code(code))
}

/// The claim typed so far; `None` if the call lost it (then identification restarts).
fn claim_parts(turn: &Turn<'_>) -> Option<(ClaimedId, NaiveDate)> {
    let ehr = ClaimedId::parse(turn.state.identifier.as_deref()?)?;
    let dob = NaiveDate::parse_from_str(turn.state.date_of_birth.as_deref()?, "%Y-%m-%d").ok()?;
    Some((ehr, dob))
}

fn send_code(turn: &mut Turn<'_>) -> CoreResult<Response> {
    let Some((ehr, dob)) = claim_parts(turn) else {
        return Ok(turn.go(Step::EhrNumber, Vec::new()));
    };
    let from = turn.call.from_number.clone();
    let claim = Claim {
        caller: &from,
        id: &ehr,
        date_of_birth: dob,
    };
    let services = turn.services;
    let outcome = ivr_actions::request_code(
        turn.conn,
        &services.hasher,
        &services.config.security,
        &claim,
        turn.now,
    )?;
    let sent = turn.script().code_sent.to_owned();
    Ok(match outcome {
        // The caller hears the same words whether or not the details matched.
        Identification::Identified(_) | Identification::Mismatch => turn.go(Step::Code, vec![sent]),
        Identification::KeyLocked => turn.end(vec![turn.script().locked_key.to_owned()]),
        Identification::CallerLocked => turn.end(vec![turn.script().locked_caller.to_owned()]),
        Identification::Throttled => turn.end(vec![turn.script().throttled.to_owned()]),
    })
}

fn identified(turn: &mut Turn<'_>, proof: &Proof) -> CoreResult<Response> {
    let Some((ehr, dob)) = claim_parts(turn) else {
        return Ok(turn.go(Step::EhrNumber, Vec::new()));
    };
    let from = turn.call.from_number.clone();
    let claim = Claim {
        caller: &from,
        id: &ehr,
        date_of_birth: dob,
    };
    let services = turn.services;
    let outcome = ivr_actions::identify(
        turn.conn,
        &services.hasher,
        &services.config.security,
        &claim,
        proof,
        turn.now,
    )?;
    let script = turn.script();
    Ok(match outcome {
        Identification::Identified(patient) => {
            turn.call.patient_id = Some(patient.id.clone());
            turn.state.key_only = matches!(proof, Proof::Code(_));
            let next = if turn.state.key_only {
                Step::NewKeyConfirm
            } else {
                Step::Menu
            };
            turn.go(next, Vec::new())
        }
        Identification::Mismatch => {
            turn.state.identity_failures += 1;
            if turn.state.identity_failures >= MAX_IDENTITY_FAILURES {
                return Ok(turn.end(vec![
                    script.mismatch.to_owned(),
                    script.too_many_tries.to_owned(),
                ]));
            }
            turn.go(Step::EhrNumber, vec![script.mismatch.to_owned()])
        }
        Identification::KeyLocked => turn.end(vec![script.locked_key.to_owned()]),
        Identification::CallerLocked => turn.end(vec![script.locked_caller.to_owned()]),
        Identification::Throttled => turn.end(vec![script.throttled.to_owned()]),
    })
}
