//! A provider's lifecycle changes carry a reason and an effective Hong Kong date (issue 16,
//! the booklet: "the HCP will be informed of the reasons and the effective date"). The
//! Office decides a suspension, reinstatement or cancellation, or enters the provider's
//! own withdrawal request with the day it was received. A change effective today applies
//! at once; a later one is kept as scheduled and applied by the sweep on its day. Each is
//! told to the provider's user administrators (email) and its address (letter) when
//! decided and when it takes effect. Applying is compare-and-set on the provider's status
//! and on the change's state, so that two sweepers (or a double-sent request) apply it
//! once.

use crate::ErrorCode;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{json, Value};

use super::accounts::Staff;
use super::provider_lifecycle::{apply_transition, require_office, Applied, Transition};
use super::provider_notices::{notify_provider, ProviderEvent};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::provider_changes::{self, StatusChange};
use crate::db::providers::{self, Provider};
use crate::db::{new_id, to_db, write_tx, DbConn};
use crate::domain::notice::ProviderFacts;
use crate::domain::{
    Actor, AuditAction, AuditOutcome, NotificationKind, ProviderChangeState, ProviderStatus,
};
use crate::error::{CoreError, CoreResult};
use crate::ids::ProviderId;
use crate::rules::hong_kong_date;

/// How far ahead a change may be dated.
pub const MAX_DAYS_AHEAD: i64 = 366;

/// What the Office enters with a change.
#[derive(Debug, Clone)]
pub struct ChangeRequest {
    pub reason: String,
    /// `None`: today (Hong Kong).
    pub effective_on: Option<NaiveDate>,
    /// A withdrawal: the day the provider's request reached the Office.
    pub received_on: Option<NaiveDate>,
}

impl ChangeRequest {
    /// The effective date, checked against today; the reason and received date checked.
    fn validate(&self, transition: Transition, today: NaiveDate) -> CoreResult<NaiveDate> {
        let reason = self.reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(CoreError::invalid("reason", "must be 1 to 500 characters"));
        }
        let effective = self.effective_on.unwrap_or(today);
        if effective < today || effective > today + Duration::days(MAX_DAYS_AHEAD) {
            return Err(CoreError::invalid(
                "effective_on",
                "today or a later day, at most a year ahead (Hong Kong dates)",
            ));
        }
        match (transition, self.received_on) {
            (Transition::Withdraw, Some(d)) if d <= today => Ok(effective),
            (Transition::Withdraw, Some(_)) => Err(CoreError::invalid(
                "received_on",
                "the day the request was received cannot be in the future",
            )),
            (Transition::Withdraw, None) => Err(CoreError::invalid(
                "received_on",
                "a withdrawal records the day the provider's request was received",
            )),
            (_, Some(_)) => Err(CoreError::invalid(
                "received_on",
                "only a withdrawal has a received date",
            )),
            (_, None) => Ok(effective),
        }
    }
}

/// The provider and the change as recorded.
#[derive(Debug, Clone)]
pub struct Decided {
    pub provider: Provider,
    pub change: StatusChange,
}

/// Records the Office's change; applies it now if effective today.
pub fn request_change(
    conn: &mut DbConn,
    office: &Staff,
    provider_id: &ProviderId,
    transition: Transition,
    req: &ChangeRequest,
    now: DateTime<Utc>,
) -> CoreResult<Decided> {
    require_office(office)?;
    let today = hong_kong_date(now);
    let effective = req.validate(transition, today)?;
    write_tx(conn, |conn| {
        let provider =
            providers::find(conn, provider_id.as_str())?.ok_or(CoreError::NotFound("provider"))?;
        let from = provider.status;
        if transition.apply(from).is_none() {
            return Err(not_allowed(from));
        }
        let change = StatusChange {
            id: new_id(),
            provider_id: provider.id.clone(),
            transition,
            reason: req.reason.trim().to_owned(),
            effective_on: effective,
            received_on: req.received_on,
            requested_by: Some(office.account.id.clone()),
            state: if effective == today {
                ProviderChangeState::Applied
            } else {
                ProviderChangeState::Scheduled
            },
            created_at: to_db(now),
            applied_at: (effective == today).then_some(to_db(now)),
        };
        if effective > today {
            return schedule(conn, office, provider, change, now);
        }
        provider_changes::insert_change(conn, &change)?;
        match apply_transition(conn, &office.actor(), &provider, transition, now)? {
            Applied::NotAllowed(status) => Err(not_allowed(status)),
            Applied::Done {
                from,
                provider,
                consents_ended,
            } => {
                took_effect(
                    conn,
                    &office.actor(),
                    &provider,
                    from,
                    &change,
                    consents_ended,
                    now,
                )?;
                Ok(Decided { provider, change })
            }
        }
    })
}

fn not_allowed(status: ProviderStatus) -> CoreError {
    CoreError::conflict(
        ErrorCode::InvalidTransition,
        format!("a {status} provider cannot be moved that way"),
    )
}

fn schedule(
    conn: &mut DbConn,
    office: &Staff,
    provider: Provider,
    change: StatusChange,
    now: DateTime<Utc>,
) -> CoreResult<Decided> {
    if let Some(waiting) = provider_changes::scheduled_for(conn, &provider.id)? {
        return Err(already_scheduled(&waiting));
    }
    // Two requests racing past the check above: the unique index decides.
    provider_changes::insert_change(conn, &change).map_err(|e| match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => CoreError::conflict(
            ErrorCode::ChangeAlreadyScheduled,
            "another change of this provider is scheduled already",
        ),
        other => other.into(),
    })?;
    let entry = NewAuditEntry::new(
        AuditAction::ProviderStatusScheduled,
        office.actor(),
        AuditOutcome::Succeeded,
    )
    .provider(&provider.id)
    .reason(change.transition.as_str())
    .details(change_facts(&change));
    audit::append(conn, &entry, now)?;
    let event = ProviderEvent {
        kind: NotificationKind::ProviderStatusScheduled,
        event_id: format!("provider-change-scheduled:{}", change.id),
        facts: change_notice(&change),
    };
    notify_provider(conn, &provider, &event, now)?;
    Ok(Decided { provider, change })
}

fn already_scheduled(waiting: &StatusChange) -> CoreError {
    CoreError::conflict(
        ErrorCode::ChangeAlreadyScheduled,
        format!(
            "a change ({}) of this provider is scheduled for {} already",
            waiting.transition, waiting.effective_on
        ),
    )
}

/// The facts of a change, as audited and as told.
fn change_facts(change: &StatusChange) -> Value {
    json!({
        "change_id": change.id,
        "transition": change.transition,
        "reason": change.reason,
        "effective_on": change.effective_on.to_string(),
        "received_on": change.received_on.map(|d| d.to_string()),
    })
}

/// The facts of a change, as told.
fn change_notice(change: &StatusChange) -> ProviderFacts {
    ProviderFacts {
        transition: Some(change.transition.as_str().to_owned()),
        reason: Some(change.reason.clone()),
        effective_on: Some(change.effective_on.to_string()),
        received_on: change.received_on.map(|d| d.to_string()),
        ..ProviderFacts::default()
    }
}

/// Audits the change that took effect and tells the provider.
pub(crate) fn took_effect(
    conn: &mut DbConn,
    actor: &Actor,
    provider: &Provider,
    from: ProviderStatus,
    change: &StatusChange,
    consents_ended: usize,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let mut details = change_facts(change);
    if let Some(d) = details.as_object_mut() {
        d.insert("from".into(), json!(from.as_str()));
        d.insert("to".into(), json!(provider.status));
        d.insert("consents_ended".into(), json!(consents_ended));
    }
    let entry = NewAuditEntry::new(
        AuditAction::ProviderStatusChanged,
        actor.clone(),
        AuditOutcome::Succeeded,
    )
    .provider(&provider.id)
    .reason(change.transition.as_str())
    .details(details);
    audit::append(conn, &entry, now)?;
    let event = ProviderEvent {
        kind: NotificationKind::ProviderStatusChanged,
        event_id: format!("provider-change:{}", change.id),
        facts: change_notice(change),
    };
    notify_provider(conn, provider, &event, now)?;
    Ok(())
}

/// Applies the scheduled changes whose Hong Kong day has come (`now` passed in), each in
/// its own transaction; returns how many took effect. A change the provider's status no
/// longer allows (cancelled meanwhile) lapses, audited.
pub fn apply_due(conn: &mut DbConn, now: DateTime<Utc>, limit: i64) -> CoreResult<usize> {
    let due = provider_changes::due(conn, hong_kong_date(now), limit)?;
    let mut applied = 0;
    for change in due {
        if write_tx(conn, |c| apply_one(c, &change, now))? {
            applied += 1;
        }
    }
    Ok(applied)
}

fn apply_one(conn: &mut DbConn, change: &StatusChange, now: DateTime<Utc>) -> CoreResult<bool> {
    // Claimed first: a second sweeper waits on the row, then finds it taken.
    if !provider_changes::settle(conn, &change.id, ProviderChangeState::Applied, to_db(now))? {
        return Ok(false);
    }
    let transition = change.transition;
    let provider =
        providers::find(conn, &change.provider_id)?.ok_or(CoreError::NotFound("provider"))?;
    match apply_transition(conn, &Actor::system(), &provider, transition, now)? {
        Applied::Done {
            from,
            provider,
            consents_ended,
        } => {
            took_effect(
                conn,
                &Actor::system(),
                &provider,
                from,
                change,
                consents_ended,
                now,
            )?;
            Ok(true)
        }
        Applied::NotAllowed(status) => {
            provider_changes::set_state(conn, &change.id, ProviderChangeState::Lapsed)?;
            let mut details = change_facts(change);
            if let Some(d) = details.as_object_mut() {
                d.insert("status".into(), json!(status.as_str()));
            }
            let entry = NewAuditEntry::new(
                AuditAction::ProviderStatusChanged,
                Actor::system(),
                AuditOutcome::Failed,
            )
            .provider(&provider.id)
            .reason("lapsed")
            .details(details);
            audit::append(conn, &entry, now)?;
            Ok(false)
        }
    }
}
