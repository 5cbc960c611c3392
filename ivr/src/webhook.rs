//! Reading a Twilio webhook: the form parameters, and the proof that Twilio sent them.
//! A request whose `X-Twilio-Signature` is missing or wrong is answered 403 and audited.

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;
use ehealth_api::http::errors::blocking;
use ehealth_core::actions::ivr as ivr_actions;
use ehealth_core::config::Config;
use ehealth_core::context::Services;
use secrecy::ExposeSecret;
use serde_json::json;

use crate::signature;

/// The signing key used in development when `TWILIO_AUTH_TOKEN` is unset, so that a local
/// simulator can sign requests. Production without a token refuses every webhook.
pub const DEVELOPMENT_AUTH_TOKEN: &str = "ehealth-development-twilio-token";

/// A webhook whose signature has been checked.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// Path and query as called, e.g. `/ivr/voice/menu?n=4`.
    pub path_and_query: String,
    pub params: Vec<(String, String)>,
}

impl Webhook {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The key Twilio signs with, or none when webhooks must all be refused.
pub fn signing_key(config: &Config) -> Option<Vec<u8>> {
    match &config.twilio.auth_token {
        Some(token) => Some(token.expose_secret().as_bytes().to_vec()),
        None if config.is_production() => None,
        None => Some(DEVELOPMENT_AUTH_TOKEN.as_bytes().to_vec()),
    }
}

/// The URL Twilio called: the configured public base plus the path and query we saw, so
/// that the check holds behind a proxy that rewrites the host, scheme or port.
pub fn public_url(config: &Config, path_and_query: &str) -> String {
    format!(
        "{}{}",
        config.ivr.public_url.trim_end_matches('/'),
        path_and_query
    )
}

/// Parses and checks the webhook; the `Err` is the 403 to send.
pub async fn verify(
    services: &Services,
    req: &HttpRequest,
    body: &Bytes,
) -> Result<Webhook, HttpResponse> {
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.path().to_owned(), |pq| pq.as_str().to_owned());
    let params: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let presented = req
        .headers()
        .get("X-Twilio-Signature")
        .and_then(|v| v.to_str().ok());
    let url = public_url(&services.config, &path_and_query);
    let valid = match (signing_key(&services.config), presented) {
        (Some(key), Some(sig)) => signature::is_valid(&key, &url, &params, sig),
        _ => false,
    };
    let webhook = Webhook {
        path_and_query,
        params,
    };
    if valid {
        return Ok(webhook);
    }
    Err(refuse(services, &webhook).await)
}

async fn refuse(services: &Services, webhook: &Webhook) -> HttpResponse {
    let caller = webhook.param("From").map(str::to_owned);
    let path = webhook.path_and_query.clone();
    tracing::warn!(
        path,
        "webhook with a missing or wrong Twilio signature refused"
    );
    let services = services.clone();
    let audited = blocking(move || {
        let mut conn = services.db.get()?;
        ivr_actions::signature_rejected(&mut conn, &path, caller.as_deref(), Utc::now())
    })
    .await;
    if let Err(e) = audited {
        tracing::error!(error = %e, "could not audit a refused webhook");
    }
    HttpResponse::Forbidden().json(json!({
        "error": {
            "code": "signature_invalid",
            "message": "the X-Twilio-Signature header is missing or does not match",
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ehealth_core::config::Mode;

    #[test]
    fn without_a_token_production_refuses_and_development_uses_the_public_one() {
        let mut config = Config::default();
        assert_eq!(
            signing_key(&config).as_deref(),
            Some(DEVELOPMENT_AUTH_TOKEN.as_bytes())
        );
        config.mode = Mode::Production;
        assert_eq!(signing_key(&config), None);
        config
            .apply_env(|k| (k == "TWILIO_AUTH_TOKEN").then(|| "real-token".to_owned()))
            .expect("env");
        assert_eq!(
            signing_key(&config).as_deref(),
            Some(b"real-token".as_slice())
        );
    }

    #[test]
    fn the_signed_url_is_the_public_base_plus_what_was_called() {
        let mut config = Config::default();
        config.ivr.public_url = "https://voice.example.hk/".to_owned();
        assert_eq!(
            public_url(&config, "/ivr/voice/menu?n=3"),
            "https://voice.example.hk/ivr/voice/menu?n=3"
        );
    }
}
