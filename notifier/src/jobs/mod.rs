//! Delivering one job: look up where the patient is reached now, render the message in
//! their language, hand it to the channel.

use ehealth_core::context::Services;
use ehealth_core::db::jobs::Job;
use ehealth_core::db::patients;
use ehealth_core::domain::{Channel, Language, NotificationKind};

use crate::messages::render;
use crate::outbox::{Outbox, Recipient};

pub enum Delivery {
    Sent {
        provider_ref: Option<String>,
        /// The payload with any secret removed, to store once delivered.
        scrubbed_payload: Option<serde_json::Value>,
    },
    Failed {
        error: String,
        permanent: bool,
    },
}

fn failed(error: impl Into<String>, permanent: bool) -> Delivery {
    Delivery::Failed {
        error: error.into(),
        permanent,
    }
}

pub fn deliver(services: &Services, job: &Job) -> Delivery {
    let payload: serde_json::Value = match serde_json::from_str(&job.payload) {
        Ok(p) => p,
        Err(e) => return failed(format!("unreadable payload: {e}"), true),
    };
    let (Ok(kind), Ok(channel)) = (
        NotificationKind::parse(&job.job_type),
        Channel::parse(&job.channel),
    ) else {
        return failed(
            format!("unknown job {} / {}", job.job_type, job.channel),
            true,
        );
    };
    let recipient = match recipient(services, job, channel) {
        Ok(r) => r,
        Err(d) => return d,
    };
    let message = render(kind, recipient.language, &payload);
    let outbox = Outbox::new(&services.config.notifier.outbox_dir);
    match outbox.write(job, channel, &recipient, &message) {
        Ok(path) => Delivery::Sent {
            provider_ref: Some(format!("outbox:{}", path.display())),
            scrubbed_payload: scrub(&payload),
        },
        Err(e) => failed(format!("outbox: {e}"), false),
    }
}

fn recipient(services: &Services, job: &Job, channel: Channel) -> Result<Recipient, Delivery> {
    let patient_id = job
        .patient_id
        .as_deref()
        .ok_or_else(|| failed("job has no recipient", true))?;
    let mut conn = services
        .db
        .get()
        .map_err(|e| failed(e.to_string(), false))?;
    let patient = patients::find(&mut conn, patient_id)
        .map_err(|e| failed(e.to_string(), false))?
        .ok_or_else(|| failed("recipient no longer exists", true))?;
    let address = match channel {
        Channel::Sms => Some(patient.mobile.clone()),
        Channel::Email => patient.email.clone(),
        Channel::Post => patient.postal_address.clone(),
        Channel::Push => Some(format!("app devices of {}", patient.ehr_number)),
    }
    .ok_or_else(|| failed(format!("patient has no {channel} address"), true))?;
    Ok(Recipient {
        name: patient.name_en.clone(),
        address,
        language: patient.language().unwrap_or(Language::English),
    })
}

fn scrub(payload: &serde_json::Value) -> Option<serde_json::Value> {
    let facts = payload.get("facts")?.as_object()?;
    if !facts.contains_key("access_key") && !facts.contains_key("code") {
        return None;
    }
    let mut clean = payload.clone();
    if let Some(f) = clean.get_mut("facts").and_then(|f| f.as_object_mut()) {
        for k in ["access_key", "code"] {
            if f.contains_key(k) {
                f.insert(
                    k.to_owned(),
                    serde_json::Value::String("[delivered]".to_owned()),
                );
            }
        }
    }
    Some(clean)
}
