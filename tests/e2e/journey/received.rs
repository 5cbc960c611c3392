//! What reached the patient, read where the outside world would see it: the SMS at the
//! Twilio stand-in, the mail at the SMTP server, the pushes at the FCM stand-in. Nothing
//! here reads the database.

use std::time::{Duration, Instant};

use serde_json::Value;
use wiremock::MockServer;

use crate::notifier::harness::SmtpSink;
use crate::notifier::sms::{field, form};

/// One message as its recipient sees it (SMS, email or push).
#[derive(Debug, Clone)]
pub struct Received {
    pub to: String,
    pub title: String,
    pub text: String,
}

/// SMS handed to Twilio, in the order they arrived.
pub async fn sms(twilio: &MockServer) -> Vec<Received> {
    let requests = twilio.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .filter(|r| r.url.path().ends_with("/Messages.json"))
        .map(|r| {
            let sent = form(&r.body);
            Received {
                to: field(&sent, "To").to_owned(),
                title: String::new(),
                text: field(&sent, "Body").to_owned(),
            }
        })
        .collect()
}

/// SMS to `to` whose text contains `about`.
pub async fn sms_to(twilio: &MockServer, to: &str, about: &str) -> Vec<Received> {
    sms(twilio)
        .await
        .into_iter()
        .filter(|m| m.to == to && m.text.contains(about))
        .collect()
}

/// Waits for the `n`th SMS to `to` containing `about` (1-based) and returns it.
pub async fn nth_sms(twilio: &MockServer, to: &str, about: &str, n: usize) -> Received {
    let started = Instant::now();
    loop {
        let found = sms_to(twilio, to, about).await;
        if let Some(m) = found.get(n - 1) {
            return m.clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no SMS #{n} to {to} about {about:?} within 20 s; got {:?}",
            sms(twilio).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Mail the SMTP server accepted, as decoded by `mail-parser`.
pub fn emails(sink: &SmtpSink) -> Vec<Received> {
    sink.messages()
        .into_iter()
        .map(|m| Received {
            to: m["to"].as_str().unwrap_or_default().to_owned(),
            title: m["subject"].as_str().unwrap_or_default().to_owned(),
            text: m["parts"]["text/plain"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        })
        .collect()
}

/// Mail to `address` whose subject contains `about`.
pub fn emails_to(sink: &SmtpSink, address: &str, about: &str) -> Vec<Received> {
    emails(sink)
        .into_iter()
        .filter(|m| m.to.contains(address) && m.title.contains(about))
        .collect()
}

/// Waits for the first mail to `address` whose subject contains `about`.
pub async fn first_email(sink: &SmtpSink, address: &str, about: &str) -> Received {
    let started = Instant::now();
    loop {
        if let Some(m) = emails_to(sink, address, about).into_iter().next() {
            return m;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no mail to {address} about {about:?} within 20 s; got {:?}",
            emails(sink)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Pushes FCM accepted (`messages:send` with the token the OAuth endpoint issued).
pub async fn pushes(fcm: &MockServer) -> Vec<Received> {
    let requests = fcm.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .filter(|r| r.url.path().ends_with("/messages:send"))
        .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
        .map(|b| {
            let m = &b["message"];
            Received {
                to: m["token"].as_str().unwrap_or_default().to_owned(),
                title: m["notification"]["title"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                text: m["notification"]["body"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            }
        })
        .collect()
}

/// The words of `text` that are exactly `len` digits (punctuation around them ignored):
/// a 6-digit code or an 8-digit access key. An eHR number is written in groups of four.
pub fn numbers(text: &str, len: usize) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|w| w.len() == len)
        .map(str::to_owned)
        .collect()
}

/// The one `len`-digit number in `text`.
pub fn the_number(text: &str, len: usize) -> String {
    let found = numbers(text, len);
    assert_eq!(found.len(), 1, "one {len}-digit number in {text:?}");
    found[0].clone()
}
