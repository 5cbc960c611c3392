//! `X-Twilio-Signature`: base64 of HMAC-SHA1, keyed by the account's auth token, over the
//! full public URL Twilio called followed by each POST parameter's name and value, sorted
//! by name. The URL is the configured public one (Twilio sees the proxy, not us).

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// The signature Twilio would send for `url` and `params`.
pub fn expected(auth_token: &[u8], url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    // Twilio sorts by name; equal names keep their values in sorted order too.
    sorted.sort();
    let mut mac = match Hmac::<Sha1>::new_from_slice(auth_token) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; this arm cannot happen.
        Err(_) => return String::new(),
    };
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `presented` is the right signature, compared in constant time.
pub fn is_valid(
    auth_token: &[u8],
    url: &str,
    params: &[(String, String)],
    presented: &str,
) -> bool {
    let want = expected(auth_token, url, params);
    !want.is_empty() && bool::from(want.as_bytes().ct_eq(presented.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn twilio_example() -> Vec<(String, String)> {
        [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// The worked example of Twilio's security documentation ("Validating requests").
    #[test]
    fn matches_twilios_documented_example() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let mut params = twilio_example();
        params.reverse(); // order of arrival must not matter
        assert_eq!(
            expected(b"12345", url, &params),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        );
        assert!(is_valid(
            b"12345",
            url,
            &params,
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        ));
    }

    #[test]
    fn refuses_a_changed_parameter_url_token_or_signature() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let good = expected(b"12345", url, &twilio_example());
        let mut changed = twilio_example();
        changed[2].1 = "1235".to_owned();
        assert!(!is_valid(b"12345", url, &changed, &good));
        assert!(!is_valid(
            b"12345",
            "https://mycompany.com:8443/myapp.php?foo=1&bar=2",
            &twilio_example(),
            &good
        ));
        assert!(!is_valid(b"54321", url, &twilio_example(), &good));
        assert!(!is_valid(b"12345", url, &twilio_example(), ""));
        assert!(!is_valid(
            b"12345",
            url,
            &twilio_example(),
            &good[..good.len() - 1]
        ));
    }
}
