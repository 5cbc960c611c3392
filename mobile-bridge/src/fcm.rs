//! FCM HTTP v1 push client: `POST {base}/v1/projects/{project}/messages:send` with an
//! OAuth2 bearer token from a service account (gcp_auth signs the JWT, fetches the token
//! from the account's `token_uri` and caches it until shortly before it expires).
//! The legacy FCM API (the `fcm` crate) was shut down in 2024, hence our own client.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use gcp_auth::{CustomServiceAccount, TokenProvider};
use serde_json::{json, Value};

pub const DEFAULT_API_BASE: &str = "https://fcm.googleapis.com";
const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// Tries within one send for 429 and 5xx answers, before the job's own backoff takes over.
const TRIES: u32 = 3;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PushError {
    /// Worth another try later (429, 5xx, network, token endpoint down).
    #[error("push failed for now: {0}")]
    Transient(String),
    /// This message will never be accepted (bad request, wrong project, no permission).
    #[error("push refused: {0}")]
    Permanent(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// FCM accepted the message; its name (`projects/../messages/..`).
    Sent(String),
    /// The app was uninstalled or the token expired: the caller drops the device.
    Unregistered,
}

pub struct FcmClient {
    http: reqwest::Client,
    endpoint: String,
    tokens: Arc<dyn TokenProvider>,
    retry_pause: Duration,
}

impl FcmClient {
    /// A client authenticated by the service-account key file `credentials_file`.
    pub fn from_service_account(
        api_base: &str,
        project_id: &str,
        credentials_file: &Path,
    ) -> Result<Self, PushError> {
        let account = CustomServiceAccount::from_file(credentials_file).map_err(|e| {
            PushError::Permanent(format!("FCM_CREDENTIALS_FILE {credentials_file:?}: {e}"))
        })?;
        Ok(Self::with_tokens(api_base, project_id, Arc::new(account)))
    }

    pub fn with_tokens(api_base: &str, project_id: &str, tokens: Arc<dyn TokenProvider>) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap_or_default(),
            endpoint: format!(
                "{}/v1/projects/{project_id}/messages:send",
                api_base.trim_end_matches('/')
            ),
            tokens,
            retry_pause: Duration::from_millis(500),
        }
    }

    /// Shortens the pause between tries (tests).
    pub fn with_retry_pause(mut self, pause: Duration) -> Self {
        self.retry_pause = pause;
        self
    }

    /// Sends a notification (title and body only: no clinical detail) to one device.
    /// `collapse_key` (the job id) makes a resent message replace, not add to, the one
    /// already on the device, on Android and iOS alike.
    pub async fn send(
        &self,
        device_token: &str,
        title: &str,
        body: &str,
        collapse_key: &str,
    ) -> Result<PushOutcome, PushError> {
        let message = json!({ "message": {
            "token": device_token,
            "notification": { "title": title, "body": body },
            "android": { "collapse_key": collapse_key },
            "apns": { "headers": { "apns-collapse-id": collapse_key } },
        }});
        let mut last = PushError::Transient("not tried".to_owned());
        for attempt in 0..TRIES {
            if attempt > 0 {
                tokio::time::sleep(self.retry_pause * 2u32.pow(attempt - 1)).await;
            }
            match self.send_once(&message).await {
                Err(PushError::Transient(e)) => last = PushError::Transient(e),
                other => return other,
            }
        }
        Err(last)
    }

    async fn send_once(&self, message: &Value) -> Result<PushOutcome, PushError> {
        let token = self
            .tokens
            .token(&[SCOPE])
            .await
            .map_err(|e| PushError::Transient(format!("no OAuth2 token: {e}")))?;
        let response = self
            .http
            .post(&self.endpoint)
            .bearer_auth(token.as_str())
            .json(message)
            .send()
            .await
            .map_err(|e| PushError::Transient(format!("FCM unreachable: {e}")))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            let name = body["name"].as_str().unwrap_or_default().to_owned();
            return Ok(PushOutcome::Sent(name));
        }
        classify(status.as_u16(), &body)
    }
}

/// Reads FCM's error: `UNREGISTERED` in the details means the token is gone for good.
fn classify(status: u16, body: &Value) -> Result<PushOutcome, PushError> {
    let error = &body["error"];
    let fcm_code = error["details"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|d| d["errorCode"].as_str())
        .unwrap_or("");
    if fcm_code == "UNREGISTERED" {
        return Ok(PushOutcome::Unregistered);
    }
    let text = format!(
        "FCM answered {status} {} {}",
        error["status"].as_str().unwrap_or(fcm_code),
        error["message"].as_str().unwrap_or("")
    );
    if status == 429 || status >= 500 {
        Err(PushError::Transient(text))
    } else {
        Err(PushError::Permanent(text))
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
        assert_eq!(classify(404, &body), Ok(PushOutcome::Unregistered));
    }

    #[test]
    fn quota_and_server_errors_pass_other_refusals_stay() {
        let body = json!({"error": {"status": "UNAVAILABLE"}});
        assert!(matches!(classify(503, &body), Err(PushError::Transient(_))));
        assert!(matches!(classify(429, &body), Err(PushError::Transient(_))));
        let bad = json!({"error": {"status": "INVALID_ARGUMENT", "message": "bad"}});
        assert!(matches!(classify(400, &bad), Err(PushError::Permanent(_))));
    }
}
