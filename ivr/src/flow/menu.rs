//! The main menu of an identified caller and what it leads to: give or renew consent,
//! revoke it, generate a new access key, hear the latest accesses, reach an operator.
//! Nothing is written before the caller confirms what was read back to them.

use ehealth_core::actions::access_key;
use ehealth_core::actions::consent::{self, ConsentRequest};
use ehealth_core::actions::ivr as ivr_actions;
use ehealth_core::db::{consents, from_db, patients, providers, write_tx};
use ehealth_core::domain::{AccessKeyChannel, ConsentChannel, ConsentType, ProviderStatus};
use ehealth_core::error::{CoreError, CoreResult};
use ehealth_core::ids::{PatientId, ProviderId};
use ehealth_core::ErrorCode;

use super::{Step, Turn};
use crate::texts::fill;
use crate::twiml::Response;

/// Accesses read out from the menu.
const ACCESSES_READ: usize = 3;

pub fn handle(turn: &mut Turn<'_>, step: Step, digits: &str) -> CoreResult<Response> {
    match step {
        Step::Menu => menu(turn, digits),
        Step::GiveProvider => provider(turn, digits, Step::GiveType),
        Step::RevokeProvider => provider(turn, digits, Step::RevokeConfirm),
        Step::GiveType => Ok(give_type(turn, digits)),
        Step::GiveConfirm => confirmed(turn, digits, give),
        Step::RevokeConfirm => confirmed(turn, digits, revoke),
        Step::NewKeyConfirm => confirmed(turn, digits, new_key),
        _ => Ok(turn.go(Step::Menu, Vec::new())),
    }
}

fn menu(turn: &mut Turn<'_>, digits: &str) -> CoreResult<Response> {
    Ok(match digits {
        "1" => turn.go(Step::GiveProvider, Vec::new()),
        "2" => turn.go(Step::RevokeProvider, Vec::new()),
        "3" => turn.go(Step::NewKeyConfirm, Vec::new()),
        "4" => {
            let lines = latest_accesses(turn)?;
            turn.call.retries = 0;
            turn.ask(Step::Menu, lines)
        }
        "0" => turn.operator(Vec::new()),
        "9" => turn.end(Vec::new()),
        _ => turn.retry(turn.script().not_understood),
    })
}

/// The provider keyed in, if it can receive consent; read back by name.
fn provider(turn: &mut Turn<'_>, digits: &str, next: Step) -> CoreResult<Response> {
    let unknown = turn.script().unknown_provider;
    let Ok(id) = ProviderId::parse(digits) else {
        return Ok(turn.retry(unknown));
    };
    let found = providers::find(turn.conn, id.as_str())?;
    let Some(provider) =
        found.filter(|p| p.public_body.is_none() && p.status == ProviderStatus::Registered)
    else {
        return Ok(turn.retry(unknown));
    };
    let name = if turn.voice().prefers_chinese_names() && !provider.name_zh.is_empty() {
        provider.name_zh.clone()
    } else {
        provider.name_en.clone()
    };
    if next == Step::RevokeConfirm {
        let patient_id = patient_id(turn)?;
        if consents::current(turn.conn, &patient_id, &provider.id)?.is_none() {
            let line = fill(turn.script().no_consent, &[("provider", &name)]);
            return Ok(turn.go(Step::Menu, vec![line]));
        }
    }
    turn.state.provider_id = Some(provider.id);
    turn.state.provider_name = Some(name);
    Ok(turn.go(next, Vec::new()))
}

fn give_type(turn: &mut Turn<'_>, digits: &str) -> Response {
    let chosen = match digits {
        "1" => ConsentType::OneYear,
        "2" => ConsentType::Indefinite,
        "3" => return turn.go(Step::GiveProvider, Vec::new()),
        _ => return turn.retry(turn.script().not_understood),
    };
    turn.state.consent_type = Some(chosen.as_str().to_owned());
    turn.go(Step::GiveConfirm, Vec::new())
}

/// 1 confirms and does `act`; 2 cancels; anything else asks again.
fn confirmed(
    turn: &mut Turn<'_>,
    digits: &str,
    act: fn(&mut Turn<'_>) -> CoreResult<String>,
) -> CoreResult<Response> {
    let done = match digits {
        "1" => act(turn)?,
        "2" => turn.script().cancelled.to_owned(),
        _ => return Ok(turn.retry(turn.script().not_understood)),
    };
    turn.state.provider_id = None;
    turn.state.provider_name = None;
    turn.state.consent_type = None;
    if turn.state.key_only {
        return Ok(turn.end(vec![done]));
    }
    Ok(turn.go(Step::Menu, vec![done]))
}

fn patient_id(turn: &Turn<'_>) -> CoreResult<PatientId> {
    turn.call
        .patient_id
        .clone()
        .ok_or_else(|| CoreError::Internal("menu reached without an identified caller".into()))
}

fn chosen_provider(turn: &Turn<'_>) -> CoreResult<ProviderId> {
    let id = turn.state.provider_id.as_deref().unwrap_or("");
    ProviderId::parse(id)
}

fn give(turn: &mut Turn<'_>) -> CoreResult<String> {
    let patient_id = patient_id(turn)?;
    let consent_type = ConsentType::parse(turn.state.consent_type.as_deref().unwrap_or(""))?;
    let request = ConsentRequest {
        patient_id,
        provider_id: chosen_provider(turn)?,
        consent_type,
        channel: ConsentChannel::Ivr,
        actor: turn.actor()?,
    };
    consent::give(turn.conn, &request, turn.now)?;
    Ok(turn.script().given.to_owned())
}

fn revoke(turn: &mut Turn<'_>) -> CoreResult<String> {
    let patient_id = patient_id(turn)?;
    let provider = chosen_provider(turn)?;
    let actor = turn.actor()?;
    match consent::revoke(
        turn.conn,
        &patient_id,
        &provider,
        ConsentChannel::Ivr,
        &actor,
        turn.now,
    ) {
        Ok(_) => Ok(turn.script().revoked.to_owned()),
        // Revoked meanwhile (another channel, or a retried webhook): nothing left to do.
        Err(CoreError::Conflict {
            code: ErrorCode::NoConsent,
            ..
        }) => {
            let name = turn.state.provider_name.clone().unwrap_or_default();
            Ok(fill(turn.script().no_consent, &[("provider", &name)]))
        }
        Err(e) => Err(e),
    }
}

fn new_key(turn: &mut Turn<'_>) -> CoreResult<String> {
    let patient_id = patient_id(turn)?;
    let (hasher, now) = (turn.services.hasher.clone(), turn.now);
    let actor = turn.actor()?;
    write_tx(turn.conn, |conn| {
        let patient = patients::find(conn, &patient_id)?.ok_or(CoreError::NotFound("patient"))?;
        access_key::issue(conn, &hasher, &patient, AccessKeyChannel::Ivr, &actor, now)
    })?;
    Ok(turn.script().key_sent.to_owned())
}

fn latest_accesses(turn: &mut Turn<'_>) -> CoreResult<Vec<String>> {
    let patient_id = patient_id(turn)?;
    let entries = ivr_actions::latest_accesses(turn.conn, &patient_id, ACCESSES_READ)?;
    let script = turn.script();
    if entries.is_empty() {
        return Ok(vec![script.no_accesses.to_owned()]);
    }
    let mut lines = vec![script.accesses_intro.to_owned()];
    for entry in entries {
        let provider = match entry.provider_id.as_deref() {
            Some(id) => providers::find(turn.conn, id)?,
            None => None,
        };
        let name = provider.map_or_else(String::new, |p| {
            if turn.voice().prefers_chinese_names() && !p.name_zh.is_empty() {
                p.name_zh
            } else {
                p.name_en
            }
        });
        let when = script.when_utc(from_db(entry.occurred_at));
        lines.push(fill(
            script.access_line,
            &[("when", &when), ("provider", &name)],
        ));
    }
    Ok(lines)
}
