//! Reading a Twilio webhook: the form parameters, and the proof that Twilio sent them.
//! A request whose `X-Twilio-Signature` is missing or wrong is answered 403 and audited
//! (repeats from one source counted into one entry, and 429 past a limit).

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use ehealth_core::actions::ivr_refusals::{self, Refusal, RefusalPolicy};
use ehealth_core::config::Config;
use ehealth_core::context::Services;
use ehealth_core::ErrorCode;
use http_common::errors::blocking;
use secrecy::ExposeSecret;
use serde_json::json;

use crate::signature::{self, Algorithm};

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

/// The algorithm and key a webhook is signed with: the auth token and HMAC-SHA1, or,
/// when `X-Twilio-Webhooks-Signature-Settings` names one, the configured shared key and
/// its algorithm. `None`: nothing to check against (refused).
pub fn signing(config: &Config, settings: Option<&str>) -> Option<(Algorithm, Vec<u8>)> {
    let algorithm = Algorithm::from_settings(settings)?;
    let key = match settings {
        None => signing_key(config)?,
        Some(_) => {
            let shared = config.twilio.webhook_shared_key.as_ref()?;
            shared.expose_secret().as_bytes().to_vec()
        }
    };
    Some((algorithm, key))
}

fn header<'r>(req: &'r HttpRequest, name: &str) -> Option<&'r str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Where a request came from: the rightmost address in the configured forwarded header
/// (the one our own proxy added), else the TCP peer. Never a form parameter.
pub fn source(config: &Config, req: &HttpRequest) -> String {
    let forwarded = config
        .ivr
        .forwarded_header
        .as_deref()
        .and_then(|name| header(req, name))
        .and_then(|v| v.rsplit(',').map(str::trim).find(|a| !a.is_empty()));
    match forwarded {
        Some(address) => address.to_owned(),
        None => req
            .peer_addr()
            .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string()),
    }
}

/// Parses and checks the webhook; the `Err` is the 403 (or 429) to send.
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
    let url = public_url(&services.config, &path_and_query);
    let signed_with = signing(&services.config, header(req, signature::SETTINGS_HEADER));
    let valid = match (signed_with, header(req, "X-Twilio-Signature")) {
        (Some((algorithm, key)), Some(sig)) => {
            signature::is_valid_with(algorithm, &key, &url, &params, sig)
        }
        _ => false,
    };
    if valid {
        return Ok(Webhook {
            path_and_query,
            params,
        });
    }
    let source = source(&services.config, req);
    Err(refuse(services, source, path_and_query).await)
}

async fn refuse(services: &Services, source: String, path: String) -> HttpResponse {
    ehealth_core::metrics::metrics().ivr_webhooks_refused.inc();
    tracing::warn!(
        path,
        source,
        "webhook with a missing or wrong Twilio signature refused"
    );
    let ivr = &services.config.ivr;
    let policy = RefusalPolicy {
        max_per_window: ivr.refused_max_per_source,
        window: Duration::seconds(ivr.refused_window_secs),
    };
    let services = services.clone();
    let counted = blocking(move || {
        let mut conn = services.db.get()?;
        ivr_refusals::refused(&mut conn, &policy, &source, &path, Utc::now())
    })
    .await;
    let (mut response, code, message) = match counted {
        Ok(Refusal::RateLimited) => (
            HttpResponse::TooManyRequests(),
            ErrorCode::TooManyRefusedWebhooks,
            "too many refused webhooks from this address; try again later",
        ),
        Ok(Refusal::Refused) => (
            HttpResponse::Forbidden(),
            SIGNATURE_INVALID,
            SIGNATURE_MESSAGE,
        ),
        Err(e) => {
            tracing::error!(error = %e, "could not count a refused webhook");
            (
                HttpResponse::Forbidden(),
                SIGNATURE_INVALID,
                SIGNATURE_MESSAGE,
            )
        }
    };
    response.json(json!({ "error": { "code": code, "message": message } }))
}

const SIGNATURE_INVALID: ErrorCode = ErrorCode::SignatureInvalid;
const SIGNATURE_MESSAGE: &str = "the X-Twilio-Signature header is missing or does not match";

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
        config.twilio.auth_token = Some("real-token".into());
        assert_eq!(
            signing_key(&config).as_deref(),
            Some(b"real-token".as_slice())
        );
    }

    #[test]
    fn the_source_is_the_peer_or_the_trusted_proxys_entry_never_a_form_field() {
        let peer = "10.0.0.7:40000".parse().ok();
        let request = |forwarded: &str| {
            let mut r = actix_web::test::TestRequest::default();
            if let Some(peer) = peer {
                r = r.peer_addr(peer);
            }
            if !forwarded.is_empty() {
                r = r.insert_header(("X-Forwarded-For", forwarded));
            }
            r.to_http_request()
        };
        let mut config = Config::default();
        assert_eq!(source(&config, &request("203.0.113.9")), "10.0.0.7");
        config.ivr.forwarded_header = Some("X-Forwarded-For".to_owned());
        // A client can write the left entries; our proxy appends the right one.
        assert_eq!(
            source(&config, &request("198.51.100.1, 203.0.113.9")),
            "203.0.113.9"
        );
        assert_eq!(source(&config, &request("")), "10.0.0.7");
    }

    #[test]
    fn a_shared_key_signature_needs_the_shared_key() {
        let mut config = Config::default();
        let settings = Some("key=webhooks_sharedkey_1,algorithm=HMAC_SHA256");
        assert_eq!(signing(&config, settings), None);
        assert_eq!(signing(&config, Some("algorithm=HMAC_MD5")), None);
        config.twilio.webhook_shared_key = Some("shared".to_owned().into());
        assert_eq!(
            signing(&config, settings),
            Some((Algorithm::HmacSha256, b"shared".to_vec()))
        );
        assert_eq!(
            signing(&config, None),
            Some((
                Algorithm::HmacSha1,
                DEVELOPMENT_AUTH_TOKEN.as_bytes().to_vec()
            ))
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
