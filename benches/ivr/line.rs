//! The voice line as Twilio drives it: signed webhooks, each sent to the action of the
//! TwiML the previous one was answered with, and what each answer was.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The auth token the server checks signatures with.
pub const TOKEN: &str = "bench-twilio-token";

/// Words of the English script that tell the answers apart (ivr/src/texts/english.rs).
const APOLOGY: &str = "something went wrong on our side";
const BUSY: &str = "the line is very busy";
const MISMATCH: &str = "do not match our records";

/// Call SIDs unique within one bench process (several loads share a database).
static CALLS: AtomicUsize = AtomicUsize::new(0);

/// Calls made so far by this process: the number in the next call's SID.
pub fn calls_made() -> usize {
    CALLS.load(Ordering::Relaxed)
}

/// The SID of call `n` of this process.
pub fn call_sid(n: usize) -> String {
    format!("CAbench{n:08}p{}", std::process::id())
}

/// What one webhook was answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A prompt (or the goodbye) as the script expects.
    Answered,
    /// The key was refused as not matching the records: the ordinary wrong-key answer.
    WrongKey,
    /// The documented refusal when the Argon2 pool is full: "the line is busy".
    Busy,
    /// The spoken apology for an internal error (the voice line's 500).
    Apology,
    /// Not a 2xx, or not TwiML the script could follow.
    Failed,
}

/// One webhook: which step, when it was sent, how long the answer took, what it was.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub kind: &'static str,
    pub sent: Instant,
    pub took: Duration,
    pub outcome: Outcome,
}

/// The ivr's address and the client that calls it.
#[derive(Clone)]
pub struct Line {
    pub client: reqwest::Client,
    pub base: String,
}

/// One call in progress: its SID, the caller's number and where Twilio goes next.
pub struct Call {
    sid: String,
    from: String,
    next: Option<String>,
}

impl Call {
    pub fn new(from: &str) -> Self {
        let n = CALLS.fetch_add(1, Ordering::Relaxed);
        Self {
            sid: call_sid(n),
            from: from.to_owned(),
            next: Some("/ivr/voice".to_owned()),
        }
    }

    /// Whether the last answer asked for more (a `<Gather>`), rather than hanging up.
    pub fn open(&self) -> bool {
        self.next.is_some()
    }

    /// The step the next webhook goes to (`menu`, `access-key`...), "start" first.
    pub fn step(&self) -> &str {
        match self.next.as_deref() {
            Some("/ivr/voice") => "start",
            Some(path) => path
                .trim_start_matches("/ivr/voice/")
                .split('?')
                .next()
                .unwrap_or(""),
            None => "",
        }
    }
}

impl Line {
    pub fn new(base: String, clients: usize) -> Self {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(clients)
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        Self { client, base }
    }

    /// Sends `digits` (none for the call's first webhook) to the call's next action and
    /// follows the answer.
    pub async fn key(&self, call: &mut Call, digits: Option<&str>, kind: &'static str) -> Sample {
        let Some(path) = call.next.take() else {
            return failed(kind);
        };
        let mut params = vec![
            ("CallSid".to_owned(), call.sid.clone()),
            ("From".to_owned(), call.from.clone()),
        ];
        if let Some(d) = digits {
            params.push(("Digits".to_owned(), d.to_owned()));
        }
        let (sample, body) = self.post(&path, params, kind).await;
        if sample.outcome == Outcome::Answered || sample.outcome == Outcome::WrongKey {
            call.next = action(&body, &self.base);
        }
        sample
    }

    /// Twilio's status callback once the call is over.
    pub async fn hang_up(&self, call: &Call) -> Sample {
        let params = vec![
            ("CallSid".to_owned(), call.sid.clone()),
            ("CallStatus".to_owned(), "completed".to_owned()),
        ];
        self.post("/ivr/status", params, "status callback").await.0
    }

    async fn post(
        &self,
        path: &str,
        params: Vec<(String, String)>,
        kind: &'static str,
    ) -> (Sample, String) {
        let url = format!("{}{path}", self.base);
        let signature = ehealth_ivr::signature::expected(TOKEN.as_bytes(), &url, &params);
        let sent = Instant::now();
        let answer = self
            .client
            .post(&url)
            .header("X-Twilio-Signature", signature)
            .form(&params)
            .send()
            .await;
        let (ok, body) = match answer {
            Ok(r) => (r.status().is_success(), r.text().await.unwrap_or_default()),
            Err(_) => (false, String::new()),
        };
        let took = sent.elapsed();
        let outcome = if !ok {
            Outcome::Failed
        } else if body.contains(APOLOGY) {
            Outcome::Apology
        } else if body.contains(BUSY) {
            Outcome::Busy
        } else if body.contains(MISMATCH) {
            Outcome::WrongKey
        } else {
            Outcome::Answered
        };
        let sample = Sample {
            kind,
            sent,
            took,
            outcome,
        };
        (sample, body)
    }
}

fn failed(kind: &'static str) -> Sample {
    Sample {
        kind,
        sent: Instant::now(),
        took: Duration::ZERO,
        outcome: Outcome::Failed,
    }
}

/// The path of the answer's `<Gather action>`; none when it hangs up.
fn action(twiml: &str, base: &str) -> Option<String> {
    if twiml.contains("<Hangup") {
        return None;
    }
    let start = twiml.find("action=\"")? + 8;
    let end = twiml[start..].find('"')? + start;
    let url = twiml[start..end].replace("&amp;", "&");
    Some(url.trim_start_matches(base).to_owned())
}
