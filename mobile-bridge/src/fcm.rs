//! FCM HTTP v1 push client: `POST {base}/v1/projects/{project}/messages:send` with an
//! OAuth2 bearer token from a service account (see `google_token`). Errors are read as
//! FCM's error reference and Firebase's token-management guide say: a 401 renews the
//! token once, `UNREGISTERED` and `INVALID_ARGUMENT` about the token drop the device,
//! `Retry-After` on 429/503 is honoured, and `QUOTA_EXCEEDED` backs off from a minute.
//! The legacy FCM API (the `fcm` crate) was shut down in 2024, hence our own client.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::{json, Value};

use crate::google_token::ServiceAccountTokens;

pub const DEFAULT_API_BASE: &str = "https://fcm.googleapis.com";
const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// Tries within one send for 429 and 5xx answers, before the job's own backoff takes over.
const TRIES: u32 = 3;
/// A `Retry-After` up to this long is waited out within the send; a longer one is left
/// to the job's retry, so a delivery place is not held for minutes.
const WAIT_IN_SEND: Duration = Duration::from_secs(3);
/// QUOTA_EXCEEDED: FCM's error reference asks for exponential backoff from a minute.
pub const QUOTA_BACKOFF: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PushError {
    /// Worth another try later (5xx, network, token endpoint down).
    #[error("push failed for now: {0}")]
    Transient(String),
    /// FCM asked us to wait at least `wait` (`Retry-After`); `quota`: the project's quota
    /// is spent, and retries should back off exponentially from `QUOTA_BACKOFF`.
    #[error("push deferred by FCM: {message}")]
    Later {
        message: String,
        wait: Duration,
        quota: bool,
    },
    /// This message will never be accepted (bad request, wrong project, no permission).
    #[error("push refused: {0}")]
    Permanent(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// FCM accepted the message; its name (`projects/../messages/..`).
    Sent(String),
    /// The app was uninstalled, or the token is not (or no longer) valid: the caller
    /// drops the device.
    Unregistered,
}

/// One notification to one device (title and body only: no clinical detail, no secret).
#[derive(Debug, Clone, Copy)]
pub struct Push<'a> {
    pub device_token: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    /// Messages with the same key replace each other on an offline device (FCM keeps at
    /// most four keys per device); `None`: the message stands alone.
    pub collapse_key: Option<&'a str>,
}

/// What one request came to, before the retry policy decides.
enum Answer {
    Done(PushOutcome),
    /// 401: the bearer token was refused.
    Unauthorized(String, String),
    Failed(PushError),
}

pub struct FcmClient {
    http: reqwest::Client,
    endpoint: String,
    tokens: Arc<ServiceAccountTokens>,
    retry_pause: Duration,
}

impl FcmClient {
    /// A client authenticated by the service-account key file `credentials_file`.
    pub fn from_service_account(
        api_base: &str,
        project_id: &str,
        credentials_file: &Path,
    ) -> Result<Self, PushError> {
        let tokens = ServiceAccountTokens::from_file(credentials_file).map_err(|e| {
            PushError::Permanent(format!("FCM_CREDENTIALS_FILE {credentials_file:?}: {e}"))
        })?;
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap_or_default(),
            endpoint: format!(
                "{}/v1/projects/{project_id}/messages:send",
                api_base.trim_end_matches('/')
            ),
            tokens: Arc::new(tokens),
            retry_pause: Duration::from_millis(500),
        })
    }

    /// Shortens the pause between tries (tests).
    pub fn with_retry_pause(mut self, pause: Duration) -> Self {
        self.retry_pause = pause;
        self
    }

    /// Sends one notification, retrying within the send what FCM lets pass soon.
    pub async fn send(&self, push: &Push<'_>) -> Result<PushOutcome, PushError> {
        let message = message(push);
        let (mut refreshed, mut tries) = (false, 0);
        loop {
            tries += 1;
            let failure = match self.send_once(&message).await {
                Answer::Done(outcome) => return Ok(outcome),
                // As Google's auth library does: drop the token, fetch another, once.
                Answer::Unauthorized(token, _) if !refreshed => {
                    self.tokens.invalidate(&token).await;
                    refreshed = true;
                    tries -= 1;
                    continue;
                }
                Answer::Unauthorized(_, text) => return Err(PushError::Permanent(text)),
                Answer::Failed(e) => e,
            };
            let pause = match &failure {
                PushError::Later { wait, quota, .. } if !quota && *wait <= WAIT_IN_SEND => *wait,
                PushError::Transient(_) => self.retry_pause * 2u32.pow(tries - 1),
                _ => return Err(failure),
            };
            if tries >= TRIES {
                return Err(failure);
            }
            tokio::time::sleep(pause).await;
        }
    }

    async fn send_once(&self, message: &Value) -> Answer {
        let token = match self.tokens.token(SCOPE).await {
            Ok(t) => t,
            Err(e) => return Answer::Failed(PushError::Transient(format!("no OAuth2 token: {e}"))),
        };
        let response = match self
            .http
            .post(&self.endpoint)
            .bearer_auth(&token)
            .json(message)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => return Answer::Failed(PushError::Transient(format!("FCM unreachable: {e}"))),
        };
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            let name = body["name"].as_str().unwrap_or_default().to_owned();
            return Answer::Done(PushOutcome::Sent(name));
        }
        if status == 401 {
            return Answer::Unauthorized(token, describe(status, &body));
        }
        match classify(status, &body, retry_after) {
            Ok(outcome) => Answer::Done(outcome),
            Err(e) => Answer::Failed(e),
        }
    }
}

/// The v1 message. `apns-push-type` is required by Apple on watchOS and recommended on
/// iOS; priority 10 delivers an alert at once. FCM ignores the `apns` block for Android.
fn message(push: &Push<'_>) -> Value {
    let mut android = json!({});
    let mut apns_headers = json!({ "apns-push-type": "alert", "apns-priority": "10" });
    if let Some(key) = push.collapse_key {
        android["collapse_key"] = json!(key);
        apns_headers["apns-collapse-id"] = json!(key);
    }
    json!({ "message": {
        "token": push.device_token,
        "notification": { "title": push.title, "body": push.body },
        "android": android,
        "apns": { "headers": apns_headers },
    }})
}

/// `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.signed_duration_since(chrono::Utc::now());
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

fn fcm_code(error: &Value) -> &str {
    error["details"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|d| d["errorCode"].as_str())
        .unwrap_or("")
}

fn describe(status: u16, body: &Value) -> String {
    let error = &body["error"];
    format!(
        "FCM answered {status} {} {}",
        error["status"].as_str().unwrap_or(fcm_code(error)),
        error["message"].as_str().unwrap_or("")
    )
}

/// An `INVALID_ARGUMENT` that is about the registration token (not the message): a
/// field violation on `message.token`, or FCM's "not a valid FCM registration token".
fn bad_token(error: &Value) -> bool {
    let on_token = error["details"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["fieldViolations"].as_array())
        .flatten()
        .any(|v| v["field"].as_str() == Some("message.token"));
    let message = error["message"].as_str().unwrap_or("").to_lowercase();
    on_token || message.contains("registration token")
}

/// Reads FCM's error into an outcome (the device is gone) or an error.
fn classify(
    status: u16,
    body: &Value,
    retry_after: Option<Duration>,
) -> Result<PushOutcome, PushError> {
    let error = &body["error"];
    let code = fcm_code(error);
    let invalid =
        code == "INVALID_ARGUMENT" || error["status"].as_str() == Some("INVALID_ARGUMENT");
    if code == "UNREGISTERED" || (status == 400 && invalid && bad_token(error)) {
        return Ok(PushOutcome::Unregistered);
    }
    let message = describe(status, body);
    if code == "QUOTA_EXCEEDED" {
        let wait = retry_after.unwrap_or(QUOTA_BACKOFF).max(QUOTA_BACKOFF);
        return Err(PushError::Later {
            message,
            wait,
            quota: true,
        });
    }
    match (status, retry_after) {
        (429 | 503, Some(wait)) => Err(PushError::Later {
            message,
            wait,
            quota: false,
        }),
        (429, None) => Err(PushError::Transient(message)),
        (s, _) if s >= 500 => Err(PushError::Transient(message)),
        _ => Err(PushError::Permanent(message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unregistered_in_the_details_is_an_outcome_not_an_error() {
        let body = json!({"error": {"code": 404, "status": "NOT_FOUND", "message": "gone",
            "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                         "errorCode": "UNREGISTERED"}]}});
        assert_eq!(classify(404, &body, None), Ok(PushOutcome::Unregistered));
    }

    #[test]
    fn an_invalid_token_drops_the_device_an_invalid_message_does_not() {
        let token = json!({"error": {"code": 400, "status": "INVALID_ARGUMENT",
            "message": "The registration token is not a valid FCM registration token",
            "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                         "errorCode": "INVALID_ARGUMENT"}]}});
        assert_eq!(classify(400, &token, None), Ok(PushOutcome::Unregistered));
        let field = json!({"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "x",
            "details": [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                         "fieldViolations": [{"field": "message.token", "description": "x"}]}]}});
        assert_eq!(classify(400, &field, None), Ok(PushOutcome::Unregistered));
        let message = json!({"error": {"code": 400, "status": "INVALID_ARGUMENT",
            "message": "Invalid value at 'message.android.ttl'",
            "details": [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                         "fieldViolations": [{"field": "message.android.ttl"}]}]}});
        assert!(matches!(
            classify(400, &message, None),
            Err(PushError::Permanent(_))
        ));
    }

    #[test]
    fn quota_and_server_errors_pass_other_refusals_stay() {
        let body = json!({"error": {"status": "UNAVAILABLE"}});
        assert!(matches!(
            classify(503, &body, None),
            Err(PushError::Transient(_))
        ));
        assert!(matches!(
            classify(429, &body, None),
            Err(PushError::Transient(_))
        ));
        let later = classify(503, &body, Some(Duration::from_secs(30)));
        assert!(
            matches!(later, Err(PushError::Later { wait, quota: false, .. }) if wait.as_secs() == 30)
        );
        let quota = json!({"error": {"status": "RESOURCE_EXHAUSTED",
            "details": [{"errorCode": "QUOTA_EXCEEDED"}]}});
        let spent = classify(429, &quota, Some(Duration::from_secs(5)));
        assert!(
            matches!(spent, Err(PushError::Later { wait, quota: true, .. }) if wait == QUOTA_BACKOFF)
        );
        let bad = json!({"error": {"status": "INVALID_ARGUMENT", "message": "bad"}});
        assert!(matches!(
            classify(400, &bad, None),
            Err(PushError::Permanent(_))
        ));
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "120".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(120)));
        let at = (chrono::Utc::now() + chrono::Duration::seconds(600)).to_rfc2822();
        headers.insert(RETRY_AFTER, at.replace("+0000", "GMT").parse().unwrap());
        let wait = retry_after(&headers).unwrap().as_secs();
        assert!((590..=600).contains(&wait), "{wait}");
    }

    #[test]
    fn ios_gets_push_type_and_priority_and_no_key_means_no_collapse() {
        let push = Push {
            device_token: "t",
            title: "a",
            body: "b",
            collapse_key: None,
        };
        let m = message(&push);
        assert_eq!(m["message"]["apns"]["headers"]["apns-push-type"], "alert");
        assert_eq!(m["message"]["apns"]["headers"]["apns-priority"], "10");
        assert!(m["message"]["apns"]["headers"]
            .get("apns-collapse-id")
            .is_none());
        assert!(m["message"]["android"].get("collapse_key").is_none());
    }
}
