//! SMS through Twilio's Messages API. Our own small client (SPEC §6): form POST with basic
//! auth to a configurable base URL, a status callback so delivery receipts reach
//! `/ivr/sms-status`, and a per-sender pace so a burst never exceeds what the sender
//! number is allowed.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;

use super::SendError;

pub const DEFAULT_API_BASE: &str = "https://api.twilio.com";

#[derive(Clone)]
pub struct TwilioSettings {
    pub api_base: String,
    pub account_sid: String,
    pub auth_token: SecretString,
    pub from_number: String,
    /// Where Twilio posts delivery receipts, e.g. `https://ivr.example/ivr/sms-status`.
    pub status_callback: Option<String>,
    /// Messages per second one sender number may send (0: no pacing).
    pub per_sender_per_sec: f64,
}

pub struct SmsClient {
    http: reqwest::Client,
    settings: TwilioSettings,
    /// When each sender may next send.
    next_slot: Mutex<HashMap<String, Instant>>,
}

#[derive(Deserialize)]
struct Created {
    sid: String,
}

#[derive(Deserialize)]
struct TwilioError {
    code: Option<i64>,
    message: Option<String>,
}

impl SmsClient {
    pub fn new(settings: TwilioSettings) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap_or_default(),
            settings,
            next_slot: Mutex::new(HashMap::new()),
        }
    }

    /// Sends one text; returns Twilio's message SID (stored as the job's provider_ref so
    /// that a delivery receipt finds its job).
    pub async fn send(&self, to: &str, body: &str) -> Result<String, SendError> {
        self.wait_for_slot(&self.settings.from_number).await;
        let s = &self.settings;
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            s.api_base.trim_end_matches('/'),
            s.account_sid
        );
        let mut form = vec![("To", to), ("From", s.from_number.as_str()), ("Body", body)];
        if let Some(cb) = &s.status_callback {
            form.push(("StatusCallback", cb.as_str()));
        }
        let response = self
            .http
            .post(url)
            .basic_auth(&s.account_sid, Some(s.auth_token.expose_secret()))
            .form(&form)
            .send()
            .await
            .map_err(|e| SendError::transient(format!("twilio unreachable: {e}")))?;
        let status = response.status();
        if status.is_success() {
            let created: Created = response
                .json()
                .await
                .map_err(|e| SendError::transient(format!("twilio answer unreadable: {e}")))?;
            return Ok(created.sid);
        }
        let err: Option<TwilioError> = response.json().await.ok();
        let detail = err
            .map(|e| format!("{} {}", e.code.unwrap_or(0), e.message.unwrap_or_default()))
            .unwrap_or_default();
        let message = format!("twilio answered {status}: {detail}");
        // 429 and 5xx pass; any other 4xx (bad number, unsubscribed recipient) will not.
        if status.as_u16() == 429 || status.is_server_error() {
            Err(SendError::transient(message))
        } else {
            Err(SendError::permanent(message))
        }
    }

    async fn wait_for_slot(&self, sender: &str) {
        if self.settings.per_sender_per_sec <= 0.0 {
            return;
        }
        let gap = Duration::from_secs_f64(1.0 / self.settings.per_sender_per_sec);
        let at = {
            let mut slots = self.next_slot.lock().await;
            let now = Instant::now();
            let at = slots
                .get(sender)
                .copied()
                .filter(|t| *t > now)
                .unwrap_or(now);
            slots.insert(sender.to_owned(), at + gap);
            at
        };
        tokio::time::sleep_until(at.into()).await;
    }
}

/// GSM 03.38 basic characters, one septet each.
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Characters of the GSM extension table, two septets each (escape + character).
const GSM7_EXTENDED: &str = "^{}\\[~]|€\u{000C}";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsEncoding {
    Gsm7,
    Ucs2,
}

/// How a text travels and how many segments (billable parts) it takes: GSM-7 when every
/// character is in the GSM alphabet (160 a part, 153 when split), otherwise UCS-2 (70,
/// 67 when split; counted in UTF-16 units, so an emoji takes two). Chinese is UCS-2.
pub fn segments(text: &str) -> (SmsEncoding, usize) {
    let septets: Option<usize> = text
        .chars()
        .map(|c| {
            if GSM7_BASIC.contains(c) {
                Some(1)
            } else if GSM7_EXTENDED.contains(c) {
                Some(2)
            } else {
                None
            }
        })
        .sum();
    let (encoding, units, single, part) = match septets {
        Some(n) => (SmsEncoding::Gsm7, n, 160, 153),
        None => (SmsEncoding::Ucs2, text.encode_utf16().count(), 70, 67),
    };
    let count = if units <= single {
        1
    } else {
        units.div_ceil(part)
    };
    (encoding, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_english_is_gsm7_and_splits_at_153() {
        assert_eq!(segments(&"a".repeat(160)), (SmsEncoding::Gsm7, 1));
        assert_eq!(segments(&"a".repeat(161)), (SmsEncoding::Gsm7, 2));
        assert_eq!(segments(&"a".repeat(306)), (SmsEncoding::Gsm7, 2));
        assert_eq!(segments(&"a".repeat(307)), (SmsEncoding::Gsm7, 3));
    }

    #[test]
    fn extension_characters_take_two_septets() {
        assert_eq!(segments(&"€".repeat(80)), (SmsEncoding::Gsm7, 1));
        assert_eq!(segments(&"€".repeat(81)), (SmsEncoding::Gsm7, 2));
    }

    #[test]
    fn chinese_is_ucs2_and_splits_at_67() {
        assert_eq!(segments(&"醫".repeat(70)), (SmsEncoding::Ucs2, 1));
        assert_eq!(segments(&"醫".repeat(71)), (SmsEncoding::Ucs2, 2));
        assert_eq!(segments(&"醫".repeat(134)), (SmsEncoding::Ucs2, 2));
        assert_eq!(segments(&"醫".repeat(135)), (SmsEncoding::Ucs2, 3));
    }

    #[test]
    fn one_chinese_character_makes_the_whole_text_ucs2() {
        let text = format!("{}診", "a".repeat(100));
        assert_eq!(segments(&text), (SmsEncoding::Ucs2, 2));
    }

    #[test]
    fn an_emoji_counts_as_two_utf16_units() {
        assert_eq!(segments(&"😀".repeat(35)), (SmsEncoding::Ucs2, 1));
        assert_eq!(segments(&"😀".repeat(36)), (SmsEncoding::Ucs2, 2));
    }
}
