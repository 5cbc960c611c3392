//! The reminder before a professional's registration expires (issue 16): when an active
//! HCProf account's registration enters its last `registration_reminder_days` days, its
//! provider's user administrators are told once (email and letter), so that the renewal
//! is recorded before the account is refused record access. The claim on the
//! registration row is taken in the same transaction as the jobs; a second sweeper finds
//! it taken.

use chrono::{DateTime, Utc};

use super::provider_notices::{notify_provider, ProviderEvent};
use crate::db::{accounts, providers, registrations, write_tx, DbConn};
use crate::domain::notice::ProviderFacts;
use crate::domain::NotificationKind;
use crate::error::CoreResult;
use crate::rules::reminder_window;

/// Queues the reminders due at `now`, up to `limit`; returns how many were queued.
pub fn queue_registration_reminders(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    days: u32,
    limit: i64,
) -> CoreResult<usize> {
    let (from, until) = reminder_window(now, days);
    let due = registrations::due_reminders(conn, from, until, limit)?;
    let mut queued = 0;
    for registration in due {
        let done = write_tx(conn, |c| {
            if !registrations::claim_reminder(c, &registration.account_id, registration.expires_on)?
            {
                return Ok(false);
            }
            let Some(account) = accounts::find(c, &registration.account_id)? else {
                return Ok(false);
            };
            let Some(provider) = account
                .provider_id
                .as_deref()
                .map(|id| providers::find(c, id))
                .transpose()?
                .flatten()
            else {
                return Ok(false);
            };
            let event = ProviderEvent {
                kind: NotificationKind::RegistrationExpiring,
                event_id: format!(
                    "registration-expiring:{}:{}",
                    account.id, registration.expires_on
                ),
                facts: ProviderFacts {
                    professional: Some(account.display_name.clone()),
                    username: Some(account.username.clone()),
                    registration_number: account.registration_number,
                    expires_on: Some(registration.expires_on.to_string()),
                    ..ProviderFacts::default()
                },
            };
            notify_provider(c, &provider, &event, now)?;
            Ok(true)
        })?;
        if done {
            queued += 1;
        }
    }
    Ok(queued)
}
