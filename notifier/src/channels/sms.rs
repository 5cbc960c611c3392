//! SMS through Twilio's Messages API. Our own small client (SPEC §6): form POST with basic
//! auth to a configurable base URL, a status callback so delivery receipts reach
//! `/ivr/sms-status`, and pacing so a burst never exceeds what the senders may send.
//!
//! One long code carries about one message a second, so national volume needs several
//! senders: a Twilio Messaging Service (`MessagingServiceSid`; Twilio picks a sender of
//! its pool) or a pool of our own numbers, each paced on its own. Pacing is ours rather
//! than Twilio's queue so that priority holds: an urgent message (a sign-in code, a
//! lockout warning) takes the next free sender slot ahead of every notice waiting.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::time::Instant;

use super::SendError;

pub const DEFAULT_API_BASE: &str = "https://api.twilio.com";

/// Who a message is sent as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Senders {
    /// Our own numbers, used in turn (one alone is a pool of one).
    Numbers(Vec<String>),
    /// A Messaging Service and how many senders its pool has (for pacing).
    Service { sid: String, senders: usize },
}

#[derive(Clone)]
pub struct TwilioSettings {
    pub api_base: String,
    pub account_sid: String,
    pub auth_token: SecretString,
    pub senders: Senders,
    /// Where Twilio posts delivery receipts, e.g. `https://ivr.example/ivr/sms-status`.
    pub status_callback: Option<String>,
    /// Messages per second one sender may send (0: no pacing).
    pub per_sender_per_sec: f64,
}

pub struct SmsClient {
    http: reqwest::Client,
    settings: TwilioSettings,
    pacer: Pacer,
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
        let lanes = match &settings.senders {
            Senders::Numbers(n) => n.len(),
            Senders::Service { senders, .. } => *senders,
        };
        let gap = (settings.per_sender_per_sec > 0.0)
            .then(|| Duration::from_secs_f64(1.0 / settings.per_sender_per_sec));
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap_or_default(),
            pacer: Pacer::new(lanes.max(1), gap),
            settings,
        }
    }

    /// Sends one text; returns Twilio's message SID (stored as the job's provider_ref so
    /// that a delivery receipt finds its job). `urgent` texts are paced ahead of others.
    pub async fn send(&self, to: &str, body: &str, urgent: bool) -> Result<String, SendError> {
        let lane = self.pacer.acquire(urgent).await;
        let s = &self.settings;
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            s.api_base.trim_end_matches('/'),
            s.account_sid
        );
        let mut form = vec![("To", to), ("Body", body)];
        match &s.senders {
            Senders::Numbers(numbers) => {
                let from = numbers
                    .get(lane % numbers.len().max(1))
                    .ok_or_else(|| SendError::permanent("no SMS sender configured"))?;
                form.push(("From", from.as_str()));
            }
            Senders::Service { sid, .. } => form.push(("MessagingServiceSid", sid.as_str())),
        }
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
        read_answer(response).await
    }
}

async fn read_answer(response: reqwest::Response) -> Result<String, SendError> {
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

/// Hands out sender slots: each lane (sender) at most once per `gap`. A slot is taken
/// only when it is free now, never reserved ahead, so an urgent caller that arrives
/// later still gets the next one: while one waits, the others stand back.
struct Pacer {
    gap: Option<Duration>,
    state: Mutex<PacerState>,
    turn: AtomicUsize,
}

struct PacerState {
    next_free: Vec<Instant>,
    urgent_waiting: usize,
}

/// Counts an urgent caller as waiting for as long as it waits (even if abandoned).
struct UrgentWaiting<'a>(&'a Mutex<PacerState>);

impl<'a> UrgentWaiting<'a> {
    fn new(state: &'a Mutex<PacerState>) -> Self {
        lock(state).urgent_waiting += 1;
        Self(state)
    }
}

impl Drop for UrgentWaiting<'_> {
    fn drop(&mut self) {
        let mut st = lock(self.0);
        st.urgent_waiting = st.urgent_waiting.saturating_sub(1);
    }
}

fn lock(state: &Mutex<PacerState>) -> std::sync::MutexGuard<'_, PacerState> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Pacer {
    fn new(lanes: usize, gap: Option<Duration>) -> Self {
        let now = Instant::now();
        Self {
            gap,
            state: Mutex::new(PacerState {
                next_free: vec![now; lanes],
                urgent_waiting: 0,
            }),
            turn: AtomicUsize::new(0),
        }
    }

    /// Waits for a free slot and returns its lane.
    async fn acquire(&self, urgent: bool) -> usize {
        let Some(gap) = self.gap else {
            return self.turn.fetch_add(1, Ordering::Relaxed);
        };
        let _waiting = urgent.then(|| UrgentWaiting::new(&self.state));
        loop {
            let wait = match self.try_take(urgent, gap) {
                Ok(lane) => return lane,
                Err(wait) => wait,
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// The lane taken, or how long to wait before asking again.
    fn try_take(&self, urgent: bool, gap: Duration) -> Result<usize, Duration> {
        let mut st = lock(&self.state);
        let now = Instant::now();
        let (lane, free) = st
            .next_free
            .iter()
            .copied()
            .enumerate()
            .min_by_key(|(_, t)| *t)
            .unwrap_or((0, now));
        if !urgent && st.urgent_waiting > 0 {
            return Err(gap.min(Duration::from_millis(50)));
        }
        if free > now {
            return Err(free - now);
        }
        st.next_free[lane] = now + gap;
        Ok(lane)
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

    #[tokio::test(start_paused = true)]
    async fn an_urgent_text_takes_the_next_slot_ahead_of_waiting_notices() {
        let pacer = std::sync::Arc::new(Pacer::new(1, Some(Duration::from_secs(1))));
        let order = std::sync::Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (name, urgent, delay) in [
            ("n1", false, 0),
            ("n2", false, 1),
            ("n3", false, 2),
            ("code", true, 300),
        ] {
            let (p, o) = (pacer.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(delay)).await;
                p.acquire(urgent).await;
                o.lock().unwrap().push(name);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let order = order.lock().unwrap();
        assert_eq!(
            order[..2],
            ["n1", "code"],
            "the code overtook n2 and n3: {order:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_pool_paces_each_sender_on_its_own() {
        let pacer = Pacer::new(3, Some(Duration::from_secs(1)));
        let started = tokio::time::Instant::now();
        let mut lanes = Vec::new();
        for _ in 0..3 {
            lanes.push(pacer.acquire(false).await);
        }
        assert_eq!(
            started.elapsed(),
            Duration::ZERO,
            "three senders, three texts at once"
        );
        lanes.sort();
        assert_eq!(lanes, vec![0, 1, 2]);
        pacer.acquire(false).await;
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "the fourth waits for a sender"
        );
    }

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
