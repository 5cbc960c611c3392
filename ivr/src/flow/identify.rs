//! The first steps of a call: the language, then who is calling (eHR number, date of
//! birth, and the access key or a one-time code).

use chrono::NaiveDate;
use ehealth_core::actions::ivr::{self as ivr_actions, Claim, ClaimedId, Identification, Proof};
use ehealth_core::actions::ivr_sdm::{self, SdmIdentification, SdmProof};
use ehealth_core::error::{CoreError, CoreResult};
use ehealth_core::ids::{AccessKey, EhrNumber, OneTimeCode};

use super::{CallState, Step, Turn};
use crate::texts::Voice;
use crate::twiml::Response;

/// Wrong identities in one call before it is ended.
const MAX_IDENTITY_FAILURES: u32 = 3;
/// Keyed at the access-key step by a caller who needs a new key.
const WANTS_CODE: &str = "0";
/// Keyed at the eHR-number step by a substitute decision maker.
const AS_SDM: &str = "2";

/// The SDM's own six HKIC digits (issue 14); then their date of birth.
pub fn sdm_id(turn: &mut Turn<'_>, digits: &str) -> Response {
    match ClaimedId::parse(digits) {
        Some(id @ ClaimedId::HkicDigits(_)) => {
            turn.state.identifier = Some(id.as_str().to_owned());
            turn.go(Step::DateOfBirth, Vec::new())
        }
        _ => turn.retry(turn.script().not_understood),
    }
}

/// The eHR number of the patient the SDM acts for; then a code goes to the SDM's own
/// mobile if their particulars match (a decoy challenge if not: the same words).
pub fn sdm_patient(turn: &mut Turn<'_>, digits: &str) -> CoreResult<Response> {
    let Ok(ehr) = EhrNumber::parse(digits) else {
        return Ok(turn.retry(turn.script().not_understood));
    };
    let Some(typed) = TypedClaim::of(turn) else {
        return Ok(restart(turn, Vec::new()));
    };
    turn.state.sdm_patient_ehr = Some(ehr.as_str().to_owned());
    let checks = turn.checks();
    let sent = ivr_sdm::request_code(turn.conn, checks, &typed.claim())?;
    match sent {
        Ok(challenge) => {
            turn.state.sdm_challenge = Some(challenge);
            let words = turn.script().code_sent.to_owned();
            Ok(turn.go(Step::Code, vec![words]))
        }
        Err(refused) => Ok(refusal(turn, &refused)),
    }
}

fn sdm_code(turn: &mut Turn<'_>, code: &OneTimeCode) -> CoreResult<Response> {
    let typed = TypedClaim::of(turn);
    let ehr = turn
        .state
        .sdm_patient_ehr
        .as_deref()
        .and_then(|e| EhrNumber::parse(e).ok());
    let challenge = turn.state.sdm_challenge.clone();
    let (Some(typed), Some(ehr), Some(challenge)) = (typed, ehr, challenge) else {
        return Ok(restart(turn, Vec::new()));
    };
    let proof = SdmProof {
        challenge_id: &challenge,
        ehr_number: &ehr,
        code,
    };
    let checks = turn.checks();
    let outcome = ivr_sdm::identify(turn.conn, checks, &typed.claim(), &proof)?;
    Ok(match outcome {
        SdmIdentification::Identified(found) => {
            turn.call.patient_id = Some(found.patient.id.clone());
            turn.state.sdm_id = Some(found.sdm_id);
            turn.state.key_only = false;
            turn.go(Step::Menu, Vec::new())
        }
        SdmIdentification::Refused(refused) => refusal(turn, &refused),
    })
}

/// Back to the start of identification, as a patient unless the caller presses 2 again.
fn restart(turn: &mut Turn<'_>, before: Vec<String>) -> Response {
    turn.state.as_sdm = false;
    turn.state.sdm_patient_ehr = None;
    turn.state.sdm_challenge = None;
    turn.go(Step::EhrNumber, before)
}

/// What a refused identification hears: the same for a patient and an SDM.
fn refusal(turn: &mut Turn<'_>, outcome: &Identification) -> Response {
    let script = turn.script();
    match outcome {
        Identification::Identified(_) | Identification::Mismatch => {
            turn.state.identity_failures += 1;
            if turn.state.identity_failures >= MAX_IDENTITY_FAILURES {
                return turn.end(vec![
                    script.mismatch.to_owned(),
                    script.too_many_tries.to_owned(),
                ]);
            }
            restart(turn, vec![script.mismatch.to_owned()])
        }
        Identification::KeyLocked => turn.end(vec![script.locked_key.to_owned()]),
        Identification::CallerLocked => turn.end(vec![script.locked_caller.to_owned()]),
        Identification::Throttled => turn.end(vec![script.throttled.to_owned()]),
    }
}

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
    if digits == AS_SDM {
        turn.state.as_sdm = true;
        return turn.go(Step::SdmId, Vec::new());
    }
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
            let next = if turn.state.as_sdm {
                Step::SdmPatient
            } else {
                Step::AccessKey
            };
            turn.go(next, Vec::new())
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
    if turn.state.as_sdm {
        return sdm_code(turn, &code);
    }
    identified(turn, &Proof::Code(code))
}

/// The claim typed so far, by the number calling.
pub(super) struct TypedClaim {
    caller: String,
    id: ClaimedId,
    date_of_birth: NaiveDate,
}

impl TypedClaim {
    /// `None` if the call lost the claim (then identification restarts).
    fn of(turn: &Turn<'_>) -> Option<Self> {
        Self::from_state(&turn.call.from_number, &turn.state)
    }

    pub(super) fn from_state(caller: &str, state: &CallState) -> Option<Self> {
        let id = ClaimedId::parse(state.identifier.as_deref()?)?;
        let date_of_birth =
            NaiveDate::parse_from_str(state.date_of_birth.as_deref()?, "%Y-%m-%d").ok()?;
        Some(Self {
            caller: caller.to_owned(),
            id,
            date_of_birth,
        })
    }

    pub(super) fn claim(&self) -> Claim<'_> {
        Claim {
            caller: &self.caller,
            id: &self.id,
            date_of_birth: self.date_of_birth,
        }
    }
}

fn send_code(turn: &mut Turn<'_>) -> CoreResult<Response> {
    let Some(typed) = TypedClaim::of(turn) else {
        return Ok(turn.go(Step::EhrNumber, Vec::new()));
    };
    let checks = turn.checks();
    let outcome = ivr_actions::request_code(turn.conn, checks, &typed.claim())?;
    let sent = turn.script().code_sent.to_owned();
    Ok(match outcome {
        // The caller hears the same words whether or not the details matched.
        Identification::Identified(_) | Identification::Mismatch => turn.go(Step::Code, vec![sent]),
        locked => refusal(turn, &locked),
    })
}

fn identified(turn: &mut Turn<'_>, proof: &Proof) -> CoreResult<Response> {
    let Some(typed) = TypedClaim::of(turn) else {
        return Ok(turn.go(Step::EhrNumber, Vec::new()));
    };
    let checks = turn.checks();
    let outcome = match turn.key_prechecked.take() {
        // Verified before the webhook's transaction (`precheck`): only counted here.
        Some(checked) => ivr_actions::identify_prechecked(
            turn.conn,
            checks,
            &typed.claim(),
            proof,
            checked.as_ref(),
        ),
        None => ivr_actions::identify(turn.conn, checks, &typed.claim(), proof),
    };
    let outcome = match outcome {
        // Refused before any detail was checked: the caller may call again as they were.
        Err(CoreError::Busy { .. }) => {
            let busy = turn.script().busy.to_owned();
            return Ok(turn.end(vec![busy]));
        }
        other => other?,
    };
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
        refused => refusal(turn, &refused),
    })
}
