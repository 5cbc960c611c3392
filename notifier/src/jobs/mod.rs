//! Delivering one job: look up where the patient is reached now, render the message in
//! their language, hand it to the channel (or the local outbox when the channel has no
//! credentials). Database work runs on the blocking pool; no transaction is open while a
//! provider is called.

pub(crate) mod facts;
mod push;

use std::time::Duration;

use ehealth_core::context::Services;
use ehealth_core::db::jobs::Job;
use ehealth_core::db::patients;
use ehealth_core::domain::{Channel, Language, Notification};
use ehealth_core::seal::open_secrets;
use ehealth_core::CoreError;

use crate::channels::{Channels, SendError};
use crate::messages::{render, render_push, Message};
use crate::outbox::Recipient;

pub enum Delivery {
    Sent {
        provider_ref: Option<String>,
        /// The payload with any secret removed, to store once delivered.
        scrubbed_payload: Option<serde_json::Value>,
    },
    Failed {
        error: String,
        permanent: bool,
        retry: Retry,
        /// The job's units settled so far (push: per device), to keep for the retry.
        progress: Option<String>,
    },
}

/// What the provider asked of the next try, beyond the worker's own backoff.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retry {
    /// Not before this long (a `Retry-After`).
    pub at_least: Option<Duration>,
    /// Back off exponentially from this base instead of the worker's (FCM's quota).
    pub backoff_base: Option<Duration>,
}

fn failed(error: impl Into<String>, permanent: bool) -> Delivery {
    Delivery::Failed {
        error: error.into(),
        permanent,
        retry: Retry::default(),
        progress: None,
    }
}

impl From<SendError> for Delivery {
    fn from(e: SendError) -> Self {
        failed(e.message, e.permanent)
    }
}

/// Runs database work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, CoreError> + Send + 'static,
) -> Result<T, CoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CoreError::Internal(format!("worker task failed: {e}")))?
}

pub async fn deliver(services: &Services, channels: &Channels, job: &Job) -> Delivery {
    let Ok(channel) = Channel::parse(&job.channel) else {
        return failed(
            format!("unknown job {} / {}", job.job_type, job.channel),
            true,
        );
    };
    let mut notification = match Notification::read(&job.job_type, &job.payload) {
        Ok(n) => n,
        Err(e) => return failed(format!("unreadable payload: {e}"), true),
    };
    // Secrets are sealed in the row; they are opened here, in memory only. A secret that
    // does not open (its key retired) can never be delivered.
    if let Err(e) = open_secrets(services.hasher.sealer(), &mut notification) {
        return failed(e.to_string(), true);
    }
    let recipient = {
        let (s, j, n) = (services.clone(), job.clone(), notification.clone());
        match blocking(move || Ok(recipient(&s, &j, channel, &n))).await {
            Ok(Ok(r)) => r,
            Ok(Err(d)) => return d,
            Err(e) => return failed(e.to_string(), false),
        }
    };
    let kind = notification.kind();
    if channel == Channel::Push && channels.push.is_some() {
        let message = render_push(&notification, recipient.language);
        return push::push(services, channels, job, kind, &message).await;
    }
    let message = match channel {
        Channel::Push => render_push(&notification, recipient.language),
        _ => render(&notification, recipient.language),
    };
    let sent = send(services, channels, job, channel, &recipient, &message).await;
    match sent {
        Ok(provider_ref) => Delivery::Sent {
            provider_ref: Some(provider_ref),
            // Stored once delivered: each secret replaced by `[delivered]`.
            scrubbed_payload: notification
                .notice
                .scrubbed()
                .map(|clean| notification.with_notice(clean).to_value()),
        },
        Err(e) => e.into(),
    }
}

async fn send(
    services: &Services,
    channels: &Channels,
    job: &Job,
    channel: Channel,
    to: &Recipient,
    message: &Message,
) -> Result<String, SendError> {
    match channel {
        Channel::Sms if channels.sms.is_some() => {
            let sms = channels
                .sms
                .as_ref()
                .ok_or_else(|| SendError::permanent("no sms"))?;
            let (encoding, parts) = crate::channels::sms::segments(&message.body);
            crate::metrics::record_sms_segments(encoding, parts);
            sms.send(&to.address, &message.body, job.priority > 0).await
        }
        Channel::Email if channels.email.is_some() => {
            let email = channels
                .email
                .as_ref()
                .ok_or_else(|| SendError::permanent("no smtp"))?;
            email
                .send(
                    &job.id,
                    &to.name,
                    &to.address,
                    to.language.as_str(),
                    message,
                )
                .await
        }
        Channel::Post => {
            let (s, j, to, m) = (services.clone(), job.clone(), to.clone(), message.clone());
            blocking(move || crate::postal::queue(&s, &j, &to, &m))
                .await
                .map_err(|e| SendError::transient(e.to_string()))
        }
        _ => channels
            .outbox
            .write(job, channel, to, message)
            .map(|path| format!("outbox:{}", path.display()))
            .map_err(|e| SendError::transient(format!("outbox: {e}"))),
    }
}

/// Where the message goes: the notification's `destination` when the event names one (a
/// code for an applicant who is not yet a patient, or for a new mobile or email being
/// verified), otherwise the patient's current address for the channel.
fn recipient(
    services: &Services,
    job: &Job,
    channel: Channel,
    notification: &Notification,
) -> Result<Recipient, Delivery> {
    let destination = notification
        .destination
        .as_deref()
        .filter(|d| !d.is_empty() && channel != Channel::Push);
    let patient = match job.patient_id.as_ref() {
        None => None,
        Some(id) => {
            let mut conn = services
                .db
                .get()
                .map_err(|e| failed(e.to_string(), false))?;
            let found = patients::find(&mut conn, id).map_err(|e| failed(e.to_string(), false))?;
            Some(found.ok_or_else(|| failed("recipient no longer exists", true))?)
        }
    };
    let language = match &patient {
        Some(p) => p.language,
        None => Language::parse(&notification.language).unwrap_or(Language::English),
    };
    let name = patient
        .as_ref()
        .map(|p| name_in(language, &p.name_en, p.name_zh.as_deref()))
        .or_else(|| notification.name_en.clone())
        .unwrap_or_default();
    let address = match (destination, &patient) {
        (Some(d), _) => Some(d.to_owned()),
        (None, Some(p)) => match channel {
            Channel::Sms => Some(p.mobile.clone()),
            Channel::Email => p.email.clone(),
            Channel::Post => p.postal_address.clone(),
            Channel::Push => Some(format!("app devices of {}", p.ehr_number)),
        },
        (None, None) => return Err(failed("job has no recipient", true)),
    }
    .ok_or_else(|| failed(format!("patient has no {channel} address"), true))?;
    Ok(Recipient {
        name,
        address,
        language,
    })
}

/// The patient's name as a letter or email in `language` writes it: the Chinese name in
/// Chinese when the patient has one.
fn name_in(language: Language, name_en: &str, name_zh: Option<&str>) -> String {
    match (language, name_zh) {
        (Language::English, _) | (_, None) => name_en.to_owned(),
        (_, Some(zh)) if zh.trim().is_empty() => name_en.to_owned(),
        (_, Some(zh)) => zh.to_owned(),
    }
}
