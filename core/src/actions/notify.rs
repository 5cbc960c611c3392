//! Enqueues the messages an event owes a patient: one job per selected means, a push job
//! if the patient has app devices, and an entry in the app inbox.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::db::patients::Patient;
use crate::db::sdm::SubstituteDecisionMaker;
use crate::db::{inbox, jobs, DbConn};
use crate::domain::{Actor, ActorKind, Channel, NotificationKind, NotificationMeans};
use crate::error::CoreResult;

/// Attempts before a job is parked as dead.
pub const MAX_ATTEMPTS: i32 = 12;

/// One event to tell a patient about. `event_id` is unique per event (a consent id, an
/// audit sequence number...) and makes the jobs idempotent.
#[derive(Debug, Clone)]
pub struct PatientEvent {
    pub kind: NotificationKind,
    pub event_id: String,
    pub facts: serde_json::Value,
}

/// Enqueues on `conn` in the caller's transaction; returns the number of jobs added.
pub fn notify_patient(
    conn: &mut DbConn,
    patient: &Patient,
    event: &PatientEvent,
    now: DateTime<Utc>,
) -> CoreResult<usize> {
    let mut channels: Vec<Channel> = patient
        .notification_means()
        .into_iter()
        .map(|m| match m {
            NotificationMeans::Sms => Channel::Sms,
            NotificationMeans::Email => Channel::Email,
            NotificationMeans::Post => Channel::Post,
        })
        .filter(|c| *c != Channel::Post || event.kind.by_post())
        .collect();
    if inbox::has_devices(conn, &patient.id)? {
        channels.push(Channel::Push);
    }
    let payload = json!({
        "kind": event.kind.as_str(),
        "event_id": event.event_id,
        "patient_id": patient.id,
        "language": patient.language,
        "name_en": patient.name_en,
        "name_zh": patient.name_zh,
        "occurred_at": now.to_rfc3339(),
        "facts": event.facts,
    });
    let mut added = 0;
    for channel in channels {
        let job = jobs::NewJob {
            job_type: event.kind.as_str().to_owned(),
            channel: channel.as_str().to_owned(),
            patient_id: Some(patient.id.clone()),
            dedupe_key: format!("{}:{}:{}", event.event_id, channel, patient.id),
            // A secret goes only by the patient's chosen means: never by push, whose text
            // lands on a lock screen and passes through Google and Apple.
            payload: if channel == Channel::Push {
                without_secrets(&payload)
            } else {
                payload.clone()
            },
            max_attempts: MAX_ATTEMPTS,
        };
        if jobs::enqueue(conn, &job, now)? {
            added += 1;
        }
    }
    let mut inbox_payload = payload;
    if let Some(facts) = inbox_payload
        .get_mut("facts")
        .and_then(|f| f.as_object_mut())
    {
        facts.remove("access_key"); // the inbox never keeps a secret
    }
    inbox::add(conn, &patient.id, event.kind.as_str(), &inbox_payload, now)?;
    Ok(added)
}

fn without_secrets(payload: &serde_json::Value) -> serde_json::Value {
    let mut clean = payload.clone();
    if let Some(facts) = clean.get_mut("facts").and_then(|f| f.as_object_mut()) {
        facts.remove("access_key");
        facts.remove("code");
    }
    clean
}

/// A message to a substitute decision maker (not a patient): by SMS to their own mobile,
/// in their language. `event_id` makes it idempotent.
pub fn notify_sdm(
    conn: &mut DbConn,
    sdm: &SubstituteDecisionMaker,
    kind: NotificationKind,
    event_id: &str,
    facts: serde_json::Value,
    now: DateTime<Utc>,
) -> CoreResult<bool> {
    let job = jobs::NewJob {
        job_type: kind.as_str().to_owned(),
        channel: Channel::Sms.as_str().to_owned(),
        patient_id: None,
        dedupe_key: format!("{event_id}:sms:sdm:{}", sdm.id),
        payload: json!({
            "kind": kind.as_str(),
            "event_id": event_id,
            "destination": sdm.mobile,
            "language": sdm.language,
            "name_en": sdm.name_en,
            "name_zh": sdm.name_zh,
            "occurred_at": now.to_rfc3339(),
            "facts": facts,
        }),
        max_attempts: MAX_ATTEMPTS,
    };
    Ok(jobs::enqueue(conn, &job, now)?)
}

/// As `notify_patient`, for an act someone did on the record: when a substitute decision
/// maker acted, the message names them (`acted_by_sdm`), so the patient knows who it was.
pub fn notify_patient_acted(
    conn: &mut DbConn,
    patient: &Patient,
    event: PatientEvent,
    actor: &Actor,
    now: DateTime<Utc>,
) -> CoreResult<usize> {
    let mut event = event;
    if actor.kind == ActorKind::Sdm {
        let name = match actor.id.as_deref() {
            Some(id) => crate::db::sdm::find(conn, id)?.map(|m| m.name_en),
            None => None,
        };
        if let (Some(name), Some(facts)) = (name, event.facts.as_object_mut()) {
            facts.insert("acted_by_sdm".to_owned(), serde_json::Value::String(name));
        }
    }
    notify_patient(conn, patient, &event, now)
}
