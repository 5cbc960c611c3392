//! Giving, renewing, changing and revoking sharing consent, from any channel.

use crate::ErrorCode;
use chrono::{DateTime, Utc};
use serde_json::json;

use super::consent_history::ConsentView;
use super::lock_active_patient;
use super::notify::{notify_patient_acted, PatientEvent};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::consents::{self, SharingConsent};
use crate::db::patients::Patient;
use crate::db::providers::{self, Provider};
use crate::db::{from_db, to_db, write_tx, DbConn};
use crate::domain::notice::{ConsentGivenFacts, ConsentRevokedFacts, ProviderNames};
use crate::domain::{
    Actor, AuditAction, AuditOutcome, ConsentChannel, ConsentStatus, ConsentType, Notice,
    ProviderStatus,
};
use crate::error::{CoreError, CoreResult};
use crate::ids::{PatientId, ProviderId};
use crate::rules::expiry_for;

#[derive(Debug, Clone)]
pub struct ConsentRequest {
    pub patient_id: PatientId,
    pub provider_id: ProviderId,
    pub consent_type: ConsentType,
    pub channel: ConsentChannel,
    pub actor: Actor,
}

/// A provider that can receive consent: registered, and not HA/DH (whose consent is deemed).
fn consentable_provider(conn: &mut DbConn, id: &ProviderId) -> CoreResult<Provider> {
    let provider = providers::find(conn, id.as_str())?.ok_or(CoreError::NotFound("provider"))?;
    if provider.public_body.is_some() {
        return Err(CoreError::refused(
            ErrorCode::DeemedConsent,
            "HA and DH hold deemed consent, which ends only on withdrawal",
        ));
    }
    Ok(provider)
}

/// Gives consent, or renews or changes the type of the current one (which is superseded,
/// not overwritten). One transaction: consent, audit entry, notifications.
pub fn give(
    conn: &mut DbConn,
    req: &ConsentRequest,
    now: DateTime<Utc>,
) -> CoreResult<SharingConsent> {
    write_tx(conn, |conn| give_in_tx(conn, req, now))
}

/// As `give`, answered with the provider it is for (as the app shows a consent), read in
/// the same transaction.
pub fn give_and_show(
    conn: &mut DbConn,
    req: &ConsentRequest,
    now: DateTime<Utc>,
) -> CoreResult<ConsentView> {
    let (consent, provider) = write_tx(conn, |conn| give_rows(conn, req, now))?;
    Ok(ConsentView {
        consent,
        provider: Some(provider),
    })
}

/// As `give`, in the caller's write transaction (for a caller that stores more with it).
pub fn give_in_tx(
    conn: &mut DbConn,
    req: &ConsentRequest,
    now: DateTime<Utc>,
) -> CoreResult<SharingConsent> {
    give_rows(conn, req, now).map(|(consent, _)| consent)
}

fn give_rows(
    conn: &mut DbConn,
    req: &ConsentRequest,
    now: DateTime<Utc>,
) -> CoreResult<(SharingConsent, Provider)> {
    if req.consent_type == ConsentType::Deemed {
        return Err(CoreError::invalid("type", "must be one_year or indefinite"));
    }
    let patient = lock_active_patient(conn, &req.patient_id)?;
    let provider = consentable_provider(conn, &req.provider_id)?;
    if provider.status != ProviderStatus::Registered {
        return Err(CoreError::refused(
            ErrorCode::ProviderNotRegistered,
            "this provider is not registered with eHealth and cannot receive consent",
        ));
    }
    let previous = consents::current(conn, &patient.id, &provider.id)?;
    let consent = SharingConsent::active(
        &patient.id,
        &provider.id,
        req.consent_type,
        req.channel,
        &req.actor,
        to_db(now),
        expiry_for(req.consent_type, now).map(to_db),
    );
    if let Some(prev) = &previous {
        consents::supersede(conn, &prev.id, &consent.id, to_db(now))?;
    }
    consents::insert(conn, &consent)?;
    let facts = json!({
        "consent_id": consent.id,
        "provider_id": provider.id,
        "provider_name_en": provider.name_en,
        "provider_name_zh": provider.name_zh,
        "type": consent.consent_type,
        "channel": consent.channel,
        "expires_at": consent.expires_at.map(|t| from_db(t).to_rfc3339()),
        "supersedes": previous.as_ref().map(|p| p.id.clone()),
    });
    let entry = NewAuditEntry::new(
        AuditAction::ConsentGiven,
        req.actor.clone(),
        AuditOutcome::Succeeded,
    )
    .patient(&patient.id)
    .provider(&provider.id)
    .details(facts);
    audit::append(conn, &entry, now)?;
    let event = PatientEvent {
        event_id: consent.id.clone(),
        notice: Notice::ConsentGiven(ConsentGivenFacts {
            consent_id: consent.id.clone(),
            provider: ProviderNames::of(&provider),
            consent_type: consent.consent_type.as_str().to_owned(),
            channel: consent.channel.as_str().to_owned(),
            expires_at: consent.expires_at.map(|t| from_db(t).to_rfc3339()),
            supersedes: previous.as_ref().map(|p| p.id.clone()),
            acted_by_sdm: None,
        }),
    };
    notify_patient_acted(conn, &patient, event, &req.actor, now)?;
    Ok((consent, provider))
}

/// Revokes the current consent at once. Refused for HA/DH and when there is none.
pub fn revoke(
    conn: &mut DbConn,
    patient_id: &PatientId,
    provider_id: &ProviderId,
    channel: ConsentChannel,
    actor: &Actor,
    now: DateTime<Utc>,
) -> CoreResult<SharingConsent> {
    write_tx(conn, |conn| {
        let patient = lock_active_patient(conn, patient_id)?;
        let provider = consentable_provider(conn, provider_id)?;
        let current = consents::current(conn, &patient.id, &provider.id)?.ok_or_else(|| {
            CoreError::conflict(ErrorCode::NoConsent, "there is no consent to revoke")
        })?;
        consents::end(
            conn,
            &current.id,
            ConsentStatus::Revoked,
            channel,
            actor,
            to_db(now),
        )?;
        let ended = EndedConsent {
            consent_id: &current.id,
            channel: channel.as_str(),
            action: AuditAction::ConsentRevoked,
            event_id: format!("revoke:{}", current.id),
        };
        tell_ended(conn, &patient, &provider, &ended, actor, now)?;
        Ok(SharingConsent {
            status: ConsentStatus::Revoked,
            ended_at: Some(to_db(now)),
            ended_channel: Some(channel),
            ended_actor_kind: Some(actor.kind),
            ended_actor_id: actor.id.clone(),
            ..current
        })
    })
}

/// A consent that ended (revoked, or the provider left), as audited and notified.
pub(crate) struct EndedConsent<'a> {
    pub consent_id: &'a str,
    /// How it ended: a consent channel, or `provider_left`.
    pub channel: &'a str,
    pub action: AuditAction,
    pub event_id: String,
}

/// Audits an ended consent and tells the patient, in the caller's transaction.
pub(crate) fn tell_ended(
    conn: &mut DbConn,
    patient: &Patient,
    provider: &Provider,
    ended: &EndedConsent<'_>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let facts = json!({
        "consent_id": ended.consent_id,
        "provider_id": provider.id,
        "provider_name_en": provider.name_en,
        "provider_name_zh": provider.name_zh,
        "channel": ended.channel,
    });
    let entry = NewAuditEntry::new(ended.action, actor.clone(), AuditOutcome::Succeeded)
        .patient(&patient.id)
        .provider(&provider.id)
        .details(facts);
    audit::append(conn, &entry, now)?;
    let event = PatientEvent {
        event_id: ended.event_id.clone(),
        notice: Notice::ConsentRevoked(ConsentRevokedFacts {
            consent_id: ended.consent_id.to_owned(),
            provider: ProviderNames::of(provider),
            channel: ended.channel.to_owned(),
            acted_by_sdm: None,
        }),
    };
    notify_patient_acted(conn, patient, event, actor, now)?;
    Ok(())
}
