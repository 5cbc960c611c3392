//! A provider's supporting documents expire (issue 16, the booklet): the provider is
//! reminded `document_reminder_days` before (60 and 30 by default, each once) and
//! suspended on the day after the last valid day, with the reason. Each reminder is
//! claimed by a row written with its jobs, and each expiry by compare-and-set on the
//! document, so two sweepers act once.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::provider_lifecycle::{apply_transition, Applied, Transition};
use super::provider_notices::{notify_provider, ProviderEvent};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::provider_applications::{self as apps, ProviderDocument};
use crate::db::provider_changes::{self, StatusChange};
use crate::db::{new_id, providers, to_db, write_tx, DbConn};
use crate::domain::notice::ProviderFacts;
use crate::domain::{
    Actor, AuditAction, AuditOutcome, NotificationKind, ProviderChangeState, ProviderStatus,
};
use crate::error::{CoreError, CoreResult};
use crate::rules::hong_kong_date;

/// Queues due reminders and suspends providers whose documents expired; returns
/// (reminders queued, providers suspended).
pub fn sweep(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    reminder_days: &[u32],
    limit: i64,
) -> CoreResult<(usize, usize)> {
    let today = hong_kong_date(now);
    let furthest = reminder_days.iter().copied().max().unwrap_or(0);
    let until = today + Duration::days(i64::from(furthest));
    let (mut reminded, mut suspended) = (0, 0);
    for doc in apps::provider_documents_expiring(conn, until, limit)? {
        let Some(last_day) = doc.expires_on else {
            continue;
        };
        if last_day < today {
            if write_tx(conn, |c| suspend_for(c, &doc, now))? {
                suspended += 1;
            }
            continue;
        }
        let days_left = (last_day - today).num_days();
        // The nearest reminder point reached; earlier ones missed are not sent late.
        let Some(days) = reminder_days
            .iter()
            .copied()
            .filter(|d| i64::from(*d) >= days_left)
            .min()
        else {
            continue;
        };
        if write_tx(conn, |c| remind(c, &doc, days, now))? {
            reminded += 1;
        }
    }
    Ok((reminded, suspended))
}

fn facts(doc: &ProviderDocument) -> CoreResult<serde_json::Value> {
    Ok(json!({
        "document_id": doc.id,
        "document": doc.document_type.title(),
        "document_number": doc.number,
        "expires_on": doc.expires_on.map(|d| d.to_string()),
    }))
}

fn remind(
    conn: &mut DbConn,
    doc: &ProviderDocument,
    days: u32,
    now: DateTime<Utc>,
) -> CoreResult<bool> {
    let days_i32 = i32::try_from(days).unwrap_or(i32::MAX);
    if !apps::claim_reminder(conn, &doc.id, days_i32, to_db(now))? {
        return Ok(false);
    }
    let Some(provider) = doc
        .provider_id
        .as_deref()
        .map(|id| providers::find(conn, id))
        .transpose()?
        .flatten()
    else {
        return Ok(false);
    };
    if provider.status != ProviderStatus::Registered {
        return Ok(false);
    }
    let event = ProviderEvent {
        kind: NotificationKind::ProviderDocumentExpiring,
        event_id: format!("provider-document-expiring:{}:{days}", doc.id),
        facts: ProviderFacts {
            document: Some(doc.document_type.title().to_owned()),
            document_number: Some(doc.number.clone()),
            expires_on: doc.expires_on.map(|d| d.to_string()),
            ..ProviderFacts::default()
        },
    };
    notify_provider(conn, &provider, &event, now)?;
    Ok(true)
}

/// Suspends the provider, effective today, with the expired document as the reason.
fn suspend_for(conn: &mut DbConn, doc: &ProviderDocument, now: DateTime<Utc>) -> CoreResult<bool> {
    if !apps::mark_expired(conn, &doc.id, to_db(now))? {
        return Ok(false);
    }
    let provider_id = doc
        .provider_id
        .clone()
        .ok_or(CoreError::NotFound("provider"))?;
    let provider = providers::find(conn, &provider_id)?.ok_or(CoreError::NotFound("provider"))?;
    let kind = doc.document_type;
    let reason = format!(
        "the {} (no. {}) expired on {}",
        kind.title(),
        doc.number,
        doc.expires_on.map(|d| d.to_string()).unwrap_or_default()
    );
    let mut entry = NewAuditEntry::new(
        AuditAction::ProviderDocumentExpired,
        Actor::system(),
        AuditOutcome::Succeeded,
    )
    .provider(&provider.id)
    .reason(kind.as_str())
    .details(facts(doc)?);
    let change = StatusChange {
        id: new_id(),
        provider_id: provider.id.clone(),
        transition: Transition::Suspend,
        reason,
        effective_on: hong_kong_date(now),
        received_on: None,
        requested_by: None,
        state: ProviderChangeState::Applied,
        created_at: to_db(now),
        applied_at: Some(to_db(now)),
    };
    match apply_transition(conn, &Actor::system(), &provider, Transition::Suspend, now)? {
        Applied::Done {
            from,
            provider,
            consents_ended,
        } => {
            provider_changes::insert_change(conn, &change)?;
            audit::append(conn, &entry, now)?;
            super::provider_changes::took_effect(
                conn,
                &Actor::system(),
                &provider,
                from,
                &change,
                consents_ended,
                now,
            )?;
            Ok(true)
        }
        // Suspended, cancelled or withdrawn already: nothing more to do than record it.
        Applied::NotAllowed(status) => {
            entry = entry.details(json!({ "document_id": doc.id, "status": status.as_str() }));
            audit::append(conn, &entry, now)?;
            Ok(false)
        }
    }
}
