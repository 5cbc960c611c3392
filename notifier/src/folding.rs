//! Folding repeat accesses: a "record accessed" job is held for the fold window after its
//! access, then sent as one message listing every access by the same provider to the
//! same patient in that window. The folded jobs are marked done in the same transaction
//! that writes their access times into the lead job's payload, so an access is never
//! dropped: if the lead's send fails, its retry still carries every time.
//! (The app's list shows each access regardless: it reads the access log.)

use chrono::{DateTime, Duration, Utc};
use ehealth_core::context::Services;
use ehealth_core::db::jobs::{self, Job};
use ehealth_core::db::write_tx;
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
    let closes = job.created_at.and_utc() + window;
    if now < closes {
        return Ok(Fold::HoldUntil(job, closes));
    }
    let mut conn = services.db.get()?;
    write_tx(&mut conn, |c| {
        let mut payload: Value = serde_json::from_str(&job.payload).unwrap_or(Value::Null);
        let group = provider_of(&payload);
        let mut times = access_times(&payload);
        for other in jobs::fold_candidates(c, &job, closes.naive_utc())? {
            let theirs: Value = serde_json::from_str(&other.payload).unwrap_or(Value::Null);
            if provider_of(&theirs) == group && jobs::mark_folded(c, &other.id, &job.id, now)? {
                times.extend(access_times(&theirs));
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
