//! Messages to a provider (issue 16): by email to each of its active user administrators
//! who has an email address, and by letter to its address, in the provider's language.
//! They go through the same job queue as the patients' messages, enqueued in the caller's
//! transaction; the job names its destination (there is no patient to look up).

use chrono::{DateTime, Utc};

use super::notify::enqueue;
use crate::db::providers::Provider;
use crate::db::{provider_changes, registrations, DbConn};
use crate::domain::notice::{ProviderFacts, ProviderNames};
use crate::domain::{Channel, Language, Notice, Notification, NotificationKind};
use crate::error::{CoreError, CoreResult};

/// One event to tell a provider about; `event_id` makes its jobs idempotent.
#[derive(Debug, Clone)]
pub struct ProviderEvent {
    /// One of the provider kinds (`Notice::to_provider`).
    pub kind: NotificationKind,
    pub event_id: String,
    pub facts: ProviderFacts,
}

/// Someone written to: an address for the channel, the name on the message, the language.
#[derive(Debug, Clone)]
pub struct Addressee {
    pub key: String,
    pub channel: Channel,
    pub destination: String,
    pub name: String,
    pub language: Language,
}

/// Enqueues the event to `provider`'s user administrators and its address; returns the
/// number of jobs added.
pub fn notify_provider(
    conn: &mut DbConn,
    provider: &Provider,
    event: &ProviderEvent,
    now: DateTime<Utc>,
) -> CoreResult<usize> {
    let particulars = provider_changes::particulars(conn, &provider.id)?;
    let language = particulars
        .as_ref()
        .map_or(Language::English, |p| p.language);
    let mut to: Vec<Addressee> = registrations::admin_emails(conn, &provider.id)?
        .into_iter()
        .map(|(id, name, email)| Addressee {
            key: id.into(),
            channel: Channel::Email,
            destination: email,
            name,
            language,
        })
        .collect();
    if let Some(address) = particulars.and_then(|p| p.address) {
        to.push(Addressee {
            key: provider.id.clone(),
            channel: Channel::Post,
            destination: address,
            name: name_in(provider, language),
            language,
        });
    }
    let event = ProviderEvent {
        facts: ProviderFacts {
            provider: ProviderNames::of(provider),
            ..event.facts.clone()
        },
        ..event.clone()
    };
    enqueue_to(conn, &to, &event, now)
}

/// The provider's name as a letter in `language` writes it.
pub fn name_in(provider: &Provider, language: Language) -> String {
    match language {
        Language::English => provider.name_en.clone(),
        _ if provider.name_zh.trim().is_empty() => provider.name_en.clone(),
        _ => provider.name_zh.clone(),
    }
}

/// Enqueues one job per addressee.
pub fn enqueue_to(
    conn: &mut DbConn,
    to: &[Addressee],
    event: &ProviderEvent,
    now: DateTime<Utc>,
) -> CoreResult<usize> {
    let notice = Notice::to_provider(event.kind, event.facts.clone()).ok_or_else(|| {
        CoreError::Internal(format!("{} is not a message to a provider", event.kind))
    })?;
    let mut added = 0;
    for a in to {
        let notification = Notification {
            event_id: event.event_id.clone(),
            patient_id: None,
            destination: Some(a.destination.clone()),
            language: a.language.as_str().to_owned(),
            name_en: Some(a.name.clone()),
            name_zh: None,
            occurred_at: now.to_rfc3339(),
            notice: notice.clone(),
        };
        let dedupe_key = format!("{}:{}:{}", event.event_id, a.channel, a.key);
        if enqueue(conn, &notification, a.channel, dedupe_key, now)? {
            added += 1;
        }
    }
    Ok(added)
}
