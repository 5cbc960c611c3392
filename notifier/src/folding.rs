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
use ehealth_core::domain::NotificationKind;
use ehealth_core::CoreError;
use serde_json::Value;

pub enum Fold {
    /// Too early: put the job back until the window closes.
    HoldUntil(Job, DateTime<Utc>),
    /// Send this job (its payload now lists every folded access).
    Send(Job),
}

/// Decides what to do with a claimed job; only "record accessed" jobs fold.
pub fn prepare(services: &Services, job: Job, now: DateTime<Utc>) -> Result<Fold, CoreError> {
    let window = Duration::seconds(services.config.notifier.fold_window_secs as i64);
    if job.job_type != NotificationKind::RecordAccessed.as_str() || window.is_zero() {
        return Ok(Fold::Send(job));
    }
    let mut payload: Value = serde_json::from_str(&job.payload).unwrap_or(Value::Null);
    if payload["facts"].get("access_times").is_some() {
        // Decided on an earlier try whose send failed: send what it lists.
        return Ok(Fold::Send(job));
    }
    let group = provider_of(&payload);
    let mut conn = services.db.get()?;
    write_tx(&mut conn, |c| {
        let siblings: Vec<(Job, Value)> = jobs::fold_siblings(c, &job, to_db(now - window))?
            .into_iter()
            .map(|j| {
                let p = serde_json::from_str(&j.payload).unwrap_or(Value::Null);
                (j, p)
            })
            .filter(|(_, p)| provider_of(p) == group)
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
        let mut times = access_times(&payload);
        for (other, theirs) in &siblings {
            if other.status == jobs::PENDING && jobs::mark_folded(c, &other.id, &job.id, now)? {
                times.extend(access_times(theirs));
            }
        }
        times.sort();
        times.dedup();
        if let Some(facts) = payload.get_mut("facts").and_then(Value::as_object_mut) {
            facts.insert("access_times".into(), Value::from(times));
        }
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
fn provider_of(payload: &Value) -> String {
    let facts = &payload["facts"];
    facts["provider_id"]
        .as_str()
        .or_else(|| facts["provider_name_en"].as_str())
        .unwrap_or("")
        .to_owned()
}

/// The access times a payload already tells, or its own event time.
fn access_times(payload: &Value) -> Vec<String> {
    match payload["facts"]["access_times"].as_array() {
        Some(list) => list
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        None => payload["occurred_at"]
            .as_str()
            .map(|t| vec![t.to_owned()])
            .unwrap_or_default(),
    }
}
