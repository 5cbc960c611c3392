//! The delivery channels. Each is used only when its credentials are configured; a
//! channel without them writes into the local outbox, so a first run shows what would
//! have been sent.

pub mod email;
pub mod sms;

use std::sync::Arc;

use ehealth_core::config::Config;
use mobile_bridge::fcm::FcmClient;
use secrecy::ExposeSecret;

use crate::outbox::Outbox;

/// Why a send did not happen, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub message: String,
    pub permanent: bool,
}

impl SendError {
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: false,
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: true,
        }
    }
}

pub struct Channels {
    pub sms: Option<sms::SmsClient>,
    pub email: Option<email::EmailClient>,
    pub push: Option<Arc<FcmClient>>,
    pub outbox: Outbox,
}

impl Channels {
    /// Builds the clients whose credentials are configured. A credential that is set
    /// but unusable is an error: silently falling back to the outbox would lose mail.
    pub fn from_config(config: &Config) -> Result<Self, String> {
        Ok(Self {
            sms: sms_client(config)?,
            email: match &config.smtp.url {
                Some(url) => Some(email::EmailClient::new(
                    url.expose_secret(),
                    &config.smtp.from,
                )?),
                None => None,
            },
            push: push_client(config)?.map(Arc::new),
            outbox: Outbox::new(&config.notifier.outbox_dir),
        })
    }
}

fn sms_client(config: &Config) -> Result<Option<sms::SmsClient>, String> {
    let t = &config.twilio;
    let (Some(sid), Some(token)) = (&t.account_sid, &t.auth_token) else {
        return Ok(None);
    };
    // Messages per second one sender may send; Twilio queues (and bills) what a sender
    // cannot carry, and its queue knows no priority, so we pace ourselves.
    let per_sec = f64::from(config.notifier.sms_per_sender_per_sec);
    Ok(Some(sms::SmsClient::new(sms::TwilioSettings {
        api_base: t
            .api_base
            .clone()
            .unwrap_or_else(|| sms::DEFAULT_API_BASE.to_owned()),
        account_sid: sid.clone(),
        auth_token: token.clone(),
        senders: sms_senders(t)?,
        status_callback: Some(format!(
            "{}/ivr/sms-status",
            config.ivr.public_url.trim_end_matches('/')
        )),
        per_sender_per_sec: per_sec,
    })))
}

/// A Messaging Service when one is named, else the pool of numbers, else the one number.
fn sms_senders(t: &ehealth_core::config::TwilioConfig) -> Result<sms::Senders, String> {
    if let Some(service) = t.messaging_service_sid.clone().filter(|s| !s.is_empty()) {
        return Ok(sms::Senders::Service {
            sid: service,
            senders: t.messaging_service_senders.max(1) as usize,
        });
    }
    let mut numbers: Vec<String> = t
        .from_numbers
        .iter()
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .collect();
    if numbers.is_empty() {
        numbers.extend(t.from_number.clone().filter(|n| !n.is_empty()));
    }
    if numbers.is_empty() {
        return Err(
            "TWILIO_FROM_NUMBER, TWILIO_FROM_NUMBERS or TWILIO_MESSAGING_SERVICE_SID \
                    must be set when Twilio is configured"
                .to_owned(),
        );
    }
    Ok(sms::Senders::Numbers(numbers))
}

fn push_client(config: &Config) -> Result<Option<FcmClient>, String> {
    let f = &config.fcm;
    let (Some(project), Some(file)) = (&f.project_id, &f.credentials_file) else {
        return Ok(None);
    };
    let base = f
        .api_base
        .as_deref()
        .unwrap_or(mobile_bridge::fcm::DEFAULT_API_BASE);
    FcmClient::from_service_account(base, project, file)
        .map(Some)
        .map_err(|e| e.to_string())
}
