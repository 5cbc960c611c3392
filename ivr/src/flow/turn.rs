//! One webhook's worth of a call: the call row and its state, moved on by a step handler
//! and rendered as the next prompt.

use chrono::{DateTime, Utc};
use ehealth_core::actions::access_key::Prechecked;
use ehealth_core::actions::ivr::LineChecks;
use ehealth_core::context::Services;
use ehealth_core::db::calls::VoiceCall;
use ehealth_core::db::DbConn;
use ehealth_core::domain::{Actor, ActorKind};
use ehealth_core::error::{CoreError, CoreResult};

use super::{identify, menu, CallState, Step};
use crate::texts::{fill, grouped_digits, Script, Voice};
use crate::twiml::{Gather, Response, Say, SayVoice, Verb};
use ehealth_core::config::IvrVoices;

/// Wrong or missing entries at one step before the call is ended politely.
pub const MAX_TRIES: i32 = 3;
/// Seconds Twilio waits for the first key.
const GATHER_TIMEOUT_SECS: u8 = 8;

pub struct Turn<'a> {
    pub services: &'a Services,
    pub conn: &'a mut DbConn,
    pub call: VoiceCall,
    pub state: CallState,
    pub now: DateTime<Utc>,
    /// The access key of this webhook, verified before its transaction (`precheck`);
    /// the inner `None`: the caller looked throttled, so nothing was verified.
    pub key_prechecked: Option<Option<Prechecked>>,
}

impl<'a> Turn<'a> {
    /// What the core's identity checks need beside the connection, at this step's time.
    pub fn checks(&self) -> LineChecks<'a> {
        LineChecks {
            hasher: &self.services.hasher,
            security: &self.services.config.security,
            now: self.now,
        }
    }

    pub fn new(
        services: &'a Services,
        conn: &'a mut DbConn,
        call: VoiceCall,
        now: DateTime<Utc>,
    ) -> CoreResult<Self> {
        let state = serde_json::from_str(&call.state)
            .map_err(|e| CoreError::Internal(format!("call state: {e}")))?;
        Ok(Self {
            services,
            conn,
            call,
            state,
            now,
            key_prechecked: None,
        })
    }

    pub fn current(&self) -> Step {
        Step::parse(&self.call.step).unwrap_or(Step::Language)
    }

    /// Handles the digits keyed at `step` (none: the first webhook, or a timeout).
    pub fn advance(&mut self, step: Option<Step>, digits: Option<&str>) -> CoreResult<Response> {
        self.state.turn += 1;
        let current = self.current();
        if current == Step::Goodbye {
            return Ok(self.end(Vec::new()));
        }
        // The first webhook of a call, or one for another step: ask the current step.
        if step != Some(current) {
            return Ok(self.ask(current, Vec::new()));
        }
        let digits = digits.unwrap_or("").trim();
        if digits.contains('*') {
            return Ok(self.ask(current, Vec::new()));
        }
        if digits.is_empty() && current == Step::Language {
            return Ok(self.retry_in_every_voice());
        }
        if digits.is_empty() {
            return Ok(self.retry(self.script().not_understood));
        }
        match current {
            Step::Language => Ok(identify::language(self, digits)),
            Step::EhrNumber => Ok(identify::ehr_number(self, digits)),
            Step::SdmId => Ok(identify::sdm_id(self, digits)),
            Step::SdmPatient => identify::sdm_patient(self, digits),
            Step::DateOfBirth => Ok(identify::date_of_birth(self, digits)),
            Step::AccessKey => identify::access_key(self, digits),
            Step::Code => identify::code(self, digits),
            _ if self.call.patient_id.is_none() => Ok(self.go(Step::EhrNumber, Vec::new())),
            _ => menu::handle(self, current, digits),
        }
    }

    /// The call row with the state written back.
    pub fn finish(mut self) -> CoreResult<VoiceCall> {
        self.call.state = serde_json::to_string(&self.state)
            .map_err(|e| CoreError::Internal(format!("call state: {e}")))?;
        Ok(self.call)
    }

    pub fn voice(&self) -> Voice {
        self.call
            .language
            .as_deref()
            .and_then(Voice::from_code)
            .unwrap_or(Voice::English)
    }

    /// The configured `<Say>` voice of the caller's language.
    pub fn speaker(&self) -> SayVoice {
        self.voice()
            .say_voice(&self.services.config.ivr.voices)
            .clone()
    }

    /// Who acts in this call: the identified SDM, or the patient themselves.
    pub fn actor(&self) -> CoreResult<Actor> {
        match (&self.state.sdm_id, &self.call.patient_id) {
            (Some(sdm_id), Some(_)) => Ok(Actor::new(ActorKind::Sdm, sdm_id.clone())),
            (None, Some(patient_id)) => Ok(Actor::new(ActorKind::Patient, patient_id.clone())),
            (_, None) => Err(CoreError::Internal(
                "menu reached without an identified caller".into(),
            )),
        }
    }

    pub fn script(&self) -> &'static Script {
        self.voice().script()
    }

    /// Moves to `step` (with a fresh count of tries) and asks for it after `before`.
    pub fn go(&mut self, step: Step, before: Vec<String>) -> Response {
        if step != self.current() {
            self.call.retries = 0;
        }
        self.call.step = step.as_str().to_owned();
        self.ask(step, before)
    }

    /// A wrong or missing entry: asks again, or ends the call after the last try.
    pub fn retry(&mut self, problem: &str) -> Response {
        self.call.retries += 1;
        if self.call.retries >= MAX_TRIES {
            return self.end(vec![self.script().too_many_tries.to_owned()]);
        }
        self.ask(self.current(), vec![problem.to_owned()])
    }

    /// A wrong entry before a language is chosen: said in all three voices.
    pub fn retry_in_every_voice(&mut self) -> Response {
        self.call.retries += 1;
        let finished = self.call.retries >= MAX_TRIES;
        let apology = Voice::ALL.into_iter().fold(Response::new(), |r, voice| {
            let script = voice.script();
            let line = if finished {
                script.too_many_tries
            } else {
                script.not_understood
            };
            r.say(voice.say_voice(&self.services.config.ivr.voices), line)
        });
        if finished {
            self.call.step = Step::Goodbye.as_str().to_owned();
            return apology.push(Verb::Hangup);
        }
        let prompt = self.ask(Step::Language, Vec::new());
        prompt.verbs().iter().cloned().fold(apology, Response::push)
    }

    /// Says `lines`, then goodbye (unless a line already said it), and hangs up.
    pub fn end(&mut self, mut lines: Vec<String>) -> Response {
        let script = self.script();
        if lines.last().map(String::as_str) != Some(script.too_many_tries) {
            lines.push(script.goodbye.to_owned());
        }
        self.call.step = Step::Goodbye.as_str().to_owned();
        let language = self.speaker();
        lines
            .into_iter()
            .fold(Response::new(), |r, line| r.say(&language, line))
            .push(Verb::Hangup)
    }

    /// Connects the caller to the operator, if one is configured.
    pub fn operator(&mut self, before: Vec<String>) -> Response {
        let script = self.script();
        let Some(number) = self.services.config.ivr.operator_number.clone() else {
            let mut lines = before;
            lines.push(script.no_operator.to_owned());
            return match self.call.patient_id {
                Some(_) => self.go(Step::Menu, lines),
                None => self.end(lines),
            };
        };
        let language = self.speaker();
        self.call.step = Step::Goodbye.as_str().to_owned();
        before
            .into_iter()
            .fold(Response::new(), |r, line| r.say(&language, line))
            .say(&language, script.operator)
            .push(Verb::Dial(number))
            .say(&language, script.goodbye)
            .push(Verb::Hangup)
    }

    fn action_url(&self, step: Step) -> String {
        format!(
            "{}/ivr/voice/{}?n={}",
            self.services.config.ivr.public_url.trim_end_matches('/'),
            step.as_str(),
            self.state.turn
        )
    }

    /// The prompt of `step`, after `before`; if nothing is keyed, Twilio comes back to the
    /// same action with no digits, which counts as a missing entry.
    pub fn ask(&self, step: Step, before: Vec<String>) -> Response {
        let language = self.speaker();
        let (prompts, num_digits) = self.prompt(step);
        let action = self.action_url(step);
        before
            .into_iter()
            .fold(Response::new(), |r, line| r.say(&language, line))
            .push(Verb::Gather(Gather {
                action: action.clone(),
                num_digits,
                timeout_secs: GATHER_TIMEOUT_SECS,
                finish_on_key: "#",
                prompts,
            }))
            .push(Verb::Redirect(action))
    }

    fn prompt(&self, step: Step) -> (Vec<Say>, u8) {
        let s = self.script();
        let language = self.speaker();
        let one = |text: String, digits: u8| {
            let voice = language.clone();
            (vec![Say { voice, text }], digits)
        };
        let provider = self.state.provider_name.clone().unwrap_or_default();
        let readback = fill(
            s.provider_readback,
            &[
                (
                    "digits",
                    &grouped_digits(self.state.provider_id.as_deref().unwrap_or("")),
                ),
                ("provider", &provider),
            ],
        );
        match step {
            Step::Language => (language_menu(&self.services.config.ivr.voices), 1),
            Step::EhrNumber => (
                vec![
                    Say {
                        voice: language.clone(),
                        text: s.ask_ehr.to_owned(),
                    },
                    Say {
                        voice: language.clone(),
                        text: s.sdm_offer.to_owned(),
                    },
                ],
                12,
            ),
            Step::SdmId => one(s.ask_sdm_id.to_owned(), 6),
            Step::SdmPatient => one(s.ask_patient_ehr.to_owned(), 12),
            Step::DateOfBirth => one(s.ask_dob.to_owned(), 8),
            Step::AccessKey => one(s.ask_key.to_owned(), 8),
            Step::Code => one(s.ask_code.to_owned(), 6),
            Step::Menu | Step::Goodbye => one(s.menu.to_owned(), 1),
            Step::GiveProvider | Step::RevokeProvider => one(s.ask_provider.to_owned(), 9),
            Step::GiveType => one(format!("{readback} {}", s.ask_type), 1),
            Step::GiveConfirm => {
                let kind = match self.state.consent_type.as_deref() {
                    Some("indefinite") => s.indefinite,
                    _ => s.one_year,
                };
                one(
                    fill(s.confirm_give, &[("type", kind), ("provider", &provider)]),
                    1,
                )
            }
            Step::RevokeConfirm => one(
                format!(
                    "{readback} {}",
                    fill(s.confirm_revoke, &[("provider", &provider)])
                ),
                1,
            ),
            Step::NewKeyConfirm => one(s.confirm_new_key.to_owned(), 1),
        }
    }
}

/// Welcome and choice, each in its own voice.
fn language_menu(voices: &IvrVoices) -> Vec<Say> {
    Voice::ALL
        .into_iter()
        .map(|voice| Say {
            voice: voice.say_voice(voices).clone(),
            text: format!("{} {}", voice.script().welcome, voice.script().choose_me),
        })
        .collect()
}

/// Says the line is busy and hangs up: the answer when the Argon2 pool is full. No operator
/// is offered: a burst of tries must not become a queue at the operators.
pub fn busy(services: &Services, voice: Voice) -> Response {
    let script = voice.script();
    let language = voice.say_voice(&services.config.ivr.voices).clone();
    Response::new()
        .say(&language, script.busy)
        .say(&language, script.goodbye)
        .push(Verb::Hangup)
}

/// Says an apology and offers the operator: what a caller hears instead of Twilio's
/// "application error" when something fails on our side.
pub fn apology(services: &Services, voice: Voice) -> Response {
    let script = voice.script();
    let language = voice.say_voice(&services.config.ivr.voices).clone();
    let response = Response::new().say(&language, script.apology);
    match services.config.ivr.operator_number.clone() {
        Some(number) => response
            .say(&language, script.operator)
            .push(Verb::Dial(number))
            .say(&language, script.goodbye)
            .push(Verb::Hangup),
        None => response.say(&language, script.goodbye).push(Verb::Hangup),
    }
}
