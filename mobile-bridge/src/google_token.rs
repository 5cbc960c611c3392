//! OAuth2 access tokens for a Google service account: the JWT-bearer grant of Google's
//! "OAuth 2.0 for server to server applications". gcp_auth reads and signs with the key
//! (RS256); we build the assertion and cache the token ourselves because gcp_auth can
//! neither drop a token the API refused (a 401 then lasts until the token nears expiry)
//! nor name the signing key: Google's own auth library sends the key id as `kid`, so the
//! token endpoint need not try every key of the account.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gcp_auth::CustomServiceAccount;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Mutex;

const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// A token this close to its expiry is renewed first (Google's auth library: 3 min 45 s).
const REFRESH_MARGIN: Duration = Duration::from_secs(225);
/// The longest assertion lifetime Google's token endpoint accepts.
const ASSERTION_LIFETIME_SECS: u64 = 3600;

/// The fields of the key file we need beyond the private key gcp_auth reads.
#[derive(Deserialize)]
struct KeyFile {
    client_email: String,
    private_key_id: String,
    token_uri: String,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: Option<u64>,
}

#[derive(Clone)]
struct Cached {
    token: String,
    renew_at: Instant,
}

pub struct ServiceAccountTokens {
    http: reqwest::Client,
    account: CustomServiceAccount,
    key: KeyFile,
    cached: Mutex<Option<Cached>>,
}

impl ServiceAccountTokens {
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let account = CustomServiceAccount::from_file(path).map_err(|e| e.to_string())?;
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        let key: KeyFile = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            http,
            account,
            key,
            cached: Mutex::new(None),
        })
    }

    /// A valid token for `scope`, fetched at most once however many sends ask at once.
    pub async fn token(&self, scope: &str) -> Result<String, String> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref().filter(|c| c.renew_at > Instant::now()) {
            return Ok(c.token.clone());
        }
        let fresh = self.fetch(scope).await?;
        *cached = Some(fresh.clone());
        Ok(fresh.token)
    }

    /// Forgets `refused` (the API answered 401 to it); a token already renewed by another
    /// send stays.
    pub async fn invalidate(&self, refused: &str) {
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|c| c.token == refused) {
            *cached = None;
        }
    }

    async fn fetch(&self, scope: &str) -> Result<Cached, String> {
        let asked = Instant::now();
        let assertion = self.assertion(scope)?;
        let response = self
            .http
            .post(&self.key.token_uri)
            .form(&[
                ("grant_type", GRANT_TYPE),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|e| format!("token endpoint unreachable: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            return Err(format!("token endpoint answered {status}: {text}"));
        }
        let answer: TokenAnswer = response
            .json()
            .await
            .map_err(|e| format!("token answer unreadable: {e}"))?;
        let life = Duration::from_secs(answer.expires_in.unwrap_or(ASSERTION_LIFETIME_SECS));
        Ok(Cached {
            token: answer.access_token,
            renew_at: asked + life.saturating_sub(REFRESH_MARGIN),
        })
    }

    /// The signed JWT: header with the key id, the claims the token endpoint documents.
    fn assertion(&self, scope: &str) -> Result<String, String> {
        let iat = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|e| e.to_string())?
            .as_secs();
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": self.key.private_key_id});
        let claims = json!({
            "iss": self.key.client_email,
            "scope": scope,
            "aud": self.key.token_uri,
            "iat": iat,
            "exp": iat + ASSERTION_LIFETIME_SECS,
        });
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self
            .account
            .signer()
            .sign(signed.as_bytes())
            .map_err(|e| e.to_string())?;
        Ok(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}
