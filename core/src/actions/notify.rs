//! Enqueues the messages an event owes a patient: one job per selected means, a push job
//! if the patient has app devices, and an entry in the app inbox.

use chrono::{DateTime, Utc};

use crate::db::patients::Patient;
use crate::db::providers::Provider;
use crate::db::sdm::SubstituteDecisionMaker;
use crate::db::{inbox, jobs, DbConn};
use crate::domain::notice::ProviderNames;
use crate::domain::{Actor, ActorKind, Channel, Notice, Notification, NotificationMeans};
use crate::error::CoreResult;
use crate::ids::SdmId;

impl ProviderNames {
    /// The provider a message is about, by id and by name.
    pub fn of(provider: &Provider) -> Self {
        Self {
            provider_id: Some(provider.id.clone()),
            provider_name_en: Some(provider.name_en.clone()),
            provider_name_zh: Some(provider.name_zh.clone()),
        }
    }
}

/// Attempts before a job is parked as dead.
pub const MAX_ATTEMPTS: i32 = 12;

/// One event to tell a patient about. `event_id` is unique per event (a consent id, an
/// audit sequence number...) and makes the jobs idempotent.
#[derive(Debug, Clone)]
pub struct PatientEvent {
    pub event_id: String,
    pub notice: Notice,
}

/// The one way a notification job is written: on `conn`, in the caller's transaction.
/// Returns false when a job of the same `dedupe_key` exists (a retried request).
pub fn enqueue(
    conn: &mut DbConn,
    notification: &Notification,
    channel: Channel,
    dedupe_key: String,
    now: DateTime<Utc>,
) -> CoreResult<bool> {
    Ok(jobs::enqueue(
        conn,
        &new_job(notification, channel, dedupe_key),
        now,
    )?)
}

fn new_job(notification: &Notification, channel: Channel, dedupe_key: String) -> jobs::NewJob {
    jobs::NewJob {
        job_type: notification.kind().as_str().to_owned(),
        channel: channel.as_str().to_owned(),
        patient_id: notification.patient_id.clone(),
        dedupe_key,
        payload: notification.to_value(),
        max_attempts: MAX_ATTEMPTS,
    }
}

/// Enqueues on `conn` in the caller's transaction; returns the number of jobs added.
pub fn notify_patient(
    conn: &mut DbConn,
    patient: &Patient,
    event: &PatientEvent,
    now: DateTime<Utc>,
) -> CoreResult<usize> {
    let kind = event.notice.kind();
    let mut channels: Vec<Channel> = patient
        .notification_means()
        .into_iter()
        .map(|m| match m {
            NotificationMeans::Sms => Channel::Sms,
            NotificationMeans::Email => Channel::Email,
            NotificationMeans::Post => Channel::Post,
        })
        .filter(|c| *c != Channel::Post || kind.by_post())
        .collect();
    if inbox::has_devices(conn, &patient.id)? {
        channels.push(Channel::Push);
    }
    let notification = Notification {
        event_id: event.event_id.clone(),
        patient_id: Some(patient.id.clone()),
        destination: None,
        language: patient.language.as_str().to_owned(),
        name_en: Some(patient.name_en.clone()),
        name_zh: patient.name_zh.clone(),
        occurred_at: now.to_rfc3339(),
        notice: event.notice.clone(),
    };
    // A secret goes only by the patient's chosen means: never by push, whose text lands
    // on a lock screen and passes through Google and Apple, nor into the app inbox.
    let without_secrets = notification.with_notice(notification.notice.without_secrets());
    let jobs: Vec<jobs::NewJob> = channels
        .into_iter()
        .map(|channel| {
            let job = if channel == Channel::Push {
                &without_secrets
            } else {
                &notification
            };
            let dedupe_key = format!("{}:{}:{}", event.event_id, channel, patient.id);
            new_job(job, channel, dedupe_key)
        })
        .collect();
    let added = jobs::enqueue_all(conn, &jobs, now)?;
    inbox::add(conn, &patient.id, kind, &without_secrets.to_value(), now)?;
    Ok(added)
}

/// A message to a substitute decision maker (not a patient): by SMS to their own mobile,
/// in their language. `event_id` makes it idempotent.
pub fn notify_sdm(
    conn: &mut DbConn,
    sdm: &SubstituteDecisionMaker,
    event_id: &str,
    notice: Notice,
    now: DateTime<Utc>,
) -> CoreResult<bool> {
    let notification = Notification {
        event_id: event_id.to_owned(),
        patient_id: None,
        destination: Some(sdm.mobile.clone()),
        language: sdm.language.as_str().to_owned(),
        name_en: Some(sdm.name_en.clone()),
        name_zh: sdm.name_zh.clone(),
        occurred_at: now.to_rfc3339(),
        notice,
    };
    let dedupe_key = format!("{event_id}:sms:sdm:{}", sdm.id);
    enqueue(conn, &notification, Channel::Sms, dedupe_key, now)
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
            Some(id) => crate::db::sdm::find(conn, &SdmId::new(id))?.map(|m| m.name_en),
            None => None,
        };
        if let Some(name) = name {
            event.notice.set_acted_by_sdm(name);
        }
    }
    notify_patient(conn, patient, &event, now)
}
