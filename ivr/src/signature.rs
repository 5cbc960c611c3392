//! `X-Twilio-Signature`: base64 of an HMAC, keyed by the account's auth token, over the
//! full public URL Twilio called followed by each POST parameter's name and value, sorted
//! by name. The URL is the configured public one (Twilio sees the proxy, not us).
//!
//! We accept exactly what Twilio's helper libraries accept (`RequestValidator` of the
//! Python `twilio` package, which the e2e tests run against ours):
//! - the URL with and without its port (`https://host:443/x` and `https://host/x` alike,
//!   and `https://host/x` for a configured `https://host:8443`), because Twilio's own
//!   signing includes the port for some webhooks and not for others;
//! - HMAC-SHA1 by default, or the algorithm named in `X-Twilio-Webhooks-Signature-Settings`
//!   (HMAC-SHA256) when a Webhooks Rule signs with a shared key instead of the token;
//! - a repeated identical parameter counted once.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The header naming the shared key and algorithm of a Webhooks-Rule signature.
pub const SETTINGS_HEADER: &str = "X-Twilio-Webhooks-Signature-Settings";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    HmacSha1,
    HmacSha256,
}

impl Algorithm {
    /// The algorithm of `X-Twilio-Webhooks-Signature-Settings` (`key=...,algorithm=...`):
    /// HMAC-SHA1 without the header or without `algorithm=`; `None` for one we do not know,
    /// which is then refused, as the SDK refuses it.
    pub fn from_settings(header: Option<&str>) -> Option<Self> {
        let named = header
            .unwrap_or("")
            .split(',')
            .filter_map(|part| part.split_once('='))
            .find(|(name, value)| name.trim() == "algorithm" && !value.trim().is_empty())
            .map(|(_, value)| value.trim().to_ascii_uppercase());
        match named.as_deref() {
            None | Some("HMAC_SHA1") => Some(Self::HmacSha1),
            Some("HMAC_SHA256") => Some(Self::HmacSha256),
            Some(_) => None,
        }
    }
}

/// The text Twilio signs: the URL, then each distinct parameter sorted by name and value.
fn signed_text(url: &str, params: &[(String, String)]) -> Vec<u8> {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut text = url.as_bytes().to_vec();
    for (name, value) in sorted {
        text.extend_from_slice(name.as_bytes());
        text.extend_from_slice(value.as_bytes());
    }
    text
}

fn mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], text: &[u8]) -> Option<Vec<u8>> {
    // HMAC takes keys of any length; `None` cannot happen.
    let mut mac = <M as Mac>::new_from_slice(key).ok()?;
    mac.update(text);
    Some(mac.finalize().into_bytes().to_vec())
}

/// The signature Twilio would send for `url` and `params` with `algorithm`.
pub fn expected_with(
    algorithm: Algorithm,
    key: &[u8],
    url: &str,
    params: &[(String, String)],
) -> String {
    let text = signed_text(url, params);
    let digest = match algorithm {
        Algorithm::HmacSha1 => mac::<Hmac<Sha1>>(key, &text),
        Algorithm::HmacSha256 => mac::<Hmac<Sha256>>(key, &text),
    };
    digest.map_or_else(String::new, |d| {
        base64::engine::general_purpose::STANDARD.encode(d)
    })
}

/// The HMAC-SHA1 signature Twilio would send for `url` and `params`.
pub fn expected(auth_token: &[u8], url: &str, params: &[(String, String)]) -> String {
    expected_with(Algorithm::HmacSha1, auth_token, url, params)
}

/// `url` without its port and with the scheme's default port, as the SDK tries both.
pub fn url_forms(url: &str) -> [String; 2] {
    let Some((scheme, rest)) = url.split_once("://") else {
        return [url.to_owned(), url.to_owned()];
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (host, port) = split_port(authority);
    let default = if scheme.eq_ignore_ascii_case("https") {
        "443"
    } else {
        "80"
    };
    let with_port = format!("{scheme}://{host}:{}{tail}", port.unwrap_or(default));
    [format!("{scheme}://{host}{tail}"), with_port]
}

/// Host and port of an authority (`host:8443`, `[::1]:8443`, `host`).
fn split_port(authority: &str) -> (&str, Option<&str>) {
    match authority.rsplit_once(':') {
        Some((host, port))
            if !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && !host.ends_with(':') =>
        {
            (host, Some(port))
        }
        _ => (authority, None),
    }
}

/// Whether `presented` is the right signature for `url` with or without its port,
/// compared in constant time.
pub fn is_valid_with(
    algorithm: Algorithm,
    key: &[u8],
    url: &str,
    params: &[(String, String)],
    presented: &str,
) -> bool {
    url_forms(url).iter().fold(false, |valid, form| {
        let want = expected_with(algorithm, key, form, params);
        let same = !want.is_empty() && bool::from(want.as_bytes().ct_eq(presented.as_bytes()));
        valid | same
    })
}

/// As `is_valid_with`, for the default HMAC-SHA1.
pub fn is_valid(
    auth_token: &[u8],
    url: &str,
    params: &[(String, String)],
    presented: &str,
) -> bool {
    is_valid_with(Algorithm::HmacSha1, auth_token, url, params, presented)
}

#[cfg(test)]
#[path = "signature_tests.rs"]
mod tests;
