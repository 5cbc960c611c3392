//! Folding repeat accesses. The first "record accessed" message about a provider is sent
//! at once. Further accesses by the same provider to the same patient, on the same channel,
//! within the fold window after a message was told are held until the window closes and
//! then sent as one message listing every access time. A patient thus hears of an access
//! promptly, and of a burst of accesses (a ward round, a long consultation) at most once
//! per window.
//!
//! The folded jobs are marked done in the same transaction that writes their access times
//! into the lead job's payload, so an access is never dropped: if the lead's send fails,
//! its retry still carries every time. (The app's list shows each access regardless: it
//! reads the access log.)

use chrono::{DateTime, Duration, Utc};
use ehealth_core::context::Services;
use ehealth_core::db::jobs::{self, Job};
use ehealth_core::db::{to_db, write_tx};
use ehealth_core::domain::notice::RecordAccessedFacts;
use ehealth_core::domain::{Notice, Notification, NotificationKind};
use ehealth_core::CoreError;

pub enum Fold {
    /// Too early: put the job back until the window closes.
    HoldUntil(Job, DateTime<Utc>),
    /// Send this job (its payload now lists every folded access).
    Send(Job),
}

/// An access notice as read from its job, and its facts.
type Access = (Notification, RecordAccessedFacts);

/// The access a job tells; None for a job that is not one (or cannot be read).
fn access_of(job: &Job) -> Option<Access> {
    let notification = Notification::read(&job.job_type, &job.payload).ok()?;
    match &notification.notice {
        Notice::RecordAccessed(facts) => {
            let facts = facts.clone();
            Some((notification, facts))
        }
        _ => None,
    }
}

/// Decides what to do with a claimed job; only "record accessed" jobs fold.
pub fn prepare(services: &Services, job: Job, now: DateTime<Utc>) -> Result<Fold, CoreError> {
    let window = Duration::seconds(services.config.notifier.fold_window_secs as i64);
    if job.job_type != NotificationKind::RecordAccessed.as_str() || window.is_zero() {
        return Ok(Fold::Send(job));
    }
    // An unreadable payload is sent as it is: delivery parks it with its reason.
    let Some((notification, facts)) = access_of(&job) else {
        return Ok(Fold::Send(job));
    };
    if facts.access_times.is_some() {
        // Decided on an earlier try whose send failed: send what it lists.
        return Ok(Fold::Send(job));
    }
    let group = provider_of(&facts);
    let mut conn = services.db.get()?;
    write_tx(&mut conn, |c| {
        let siblings: Vec<(Job, Option<Access>)> =
            jobs::fold_siblings(c, &job, to_db(now - window))?
                .into_iter()
                .map(|j| {
                    let access = access_of(&j);
                    (j, access)
                })
                .filter(|(_, a)| a.as_ref().map_or(String::new(), |(_, f)| provider_of(f)) == group)
                .collect();
        let last_told = siblings
            .iter()
            .filter(|(j, _)| j.status == jobs::DONE && !is_folded(j))
            .filter_map(|(j, _)| j.finished_at)
            .max();
        if let Some(told) = last_told {
            let opens = told.and_utc() + window;
            if now < opens {
                // If another access already waits for the window, wait just behind it so
                // that it takes this one into its message.
                let behind = siblings
                    .iter()
                    .filter(|(j, _)| j.status == jobs::PENDING && j.run_at.and_utc() > now)
                    .map(|(j, _)| j.run_at.and_utc() + Duration::seconds(1))
                    .max();
                let until = behind.map_or(opens, |b| b.max(opens));
                return Ok(Fold::HoldUntil(job.clone(), until));
            }
        }
        let mut times = access_times(&notification, &facts);
        for (other, theirs) in &siblings {
            if other.status == jobs::PENDING && jobs::mark_folded(c, &other.id, &job.id, now)? {
                if let Some((n, f)) = theirs {
                    times.extend(access_times(n, f));
                }
            }
        }
        times.sort();
        times.dedup();
        let folded = notification.with_notice(Notice::RecordAccessed(RecordAccessedFacts {
            access_times: Some(times),
            ..facts.clone()
        }));
        let payload = folded.to_value();
        jobs::set_payload(c, &job.id, &payload)?;
        Ok(Fold::Send(Job {
            payload: payload.to_string(),
            ..job.clone()
        }))
    })
}

/// A job told within another job's message.
fn is_folded(job: &Job) -> bool {
    job.provider_ref
        .as_deref()
        .is_some_and(|r| r.starts_with(jobs::FOLDED_PREFIX))
}

/// Whose accesses fold together: the provider, by id (or by name if no id was given).
fn provider_of(facts: &RecordAccessedFacts) -> String {
    let names = &facts.provider;
    names
        .provider_id
        .as_deref()
        .or(names.provider_name_en.as_deref())
        .unwrap_or("")
        .to_owned()
}

/// The access times a notice already tells, or its own event time.
fn access_times(notification: &Notification, facts: &RecordAccessedFacts) -> Vec<String> {
    match &facts.access_times {
        Some(list) => list.clone(),
        None if notification.occurred_at.is_empty() => Vec::new(),
        None => vec![notification.occurred_at.clone()],
    }
}
