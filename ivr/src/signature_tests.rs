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

const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

/// The worked example of Twilio's security documentation ("Validating requests").
#[test]
fn matches_twilios_documented_example() {
    let mut params = twilio_example();
    params.reverse(); // order of arrival must not matter
    assert_eq!(
        expected(b"12345", URL, &params),
        "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    );
    assert!(is_valid(
        b"12345",
        URL,
        &params,
        "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    ));
}

#[test]
fn refuses_a_changed_parameter_url_token_or_signature() {
    let good = expected(b"12345", URL, &twilio_example());
    let mut changed = twilio_example();
    changed[2].1 = "1235".to_owned();
    assert!(!is_valid(b"12345", URL, &changed, &good));
    assert!(!is_valid(
        b"12345",
        "https://mycompany.com/other.php?foo=1&bar=2",
        &twilio_example(),
        &good
    ));
    assert!(!is_valid(b"54321", URL, &twilio_example(), &good));
    assert!(!is_valid(b"12345", URL, &twilio_example(), ""));
    assert!(!is_valid(
        b"12345",
        URL,
        &twilio_example(),
        &good[..good.len() - 1]
    ));
}

/// Twilio signs some webhooks with the port and some without: either form is accepted,
/// as Twilio's helper libraries accept it; another port is not.
#[test]
fn accepts_the_url_with_and_without_its_port() {
    let params = twilio_example();
    let bare = "https://ivr.example.org/ivr/voice?n=1";
    let default_port = "https://ivr.example.org:443/ivr/voice?n=1";
    let other_port = "https://ivr.example.org:8443/ivr/voice?n=1";
    let sig = |url: &str| expected(b"t", url, &params);
    assert!(is_valid(b"t", bare, &params, &sig(default_port)));
    assert!(is_valid(b"t", bare, &params, &sig(bare)));
    assert!(is_valid(b"t", other_port, &params, &sig(bare)));
    assert!(is_valid(b"t", other_port, &params, &sig(other_port)));
    assert!(!is_valid(b"t", bare, &params, &sig(other_port)));
    assert!(!is_valid(b"t", other_port, &params, &sig(default_port)));
    assert_eq!(
        url_forms("http://[::1]:8081/ivr"),
        [
            "http://[::1]/ivr".to_owned(),
            "http://[::1]:8081/ivr".to_owned()
        ]
    );
    assert_eq!(
        url_forms("http://h?x=1"),
        ["http://h?x=1".to_owned(), "http://h:80?x=1".to_owned()]
    );
}

#[test]
fn shared_key_signatures_name_their_algorithm() {
    let settings = "key=webhooks_sharedkey_01,algorithm=HMAC_SHA256";
    assert_eq!(
        Algorithm::from_settings(Some(settings)),
        Some(Algorithm::HmacSha256)
    );
    assert_eq!(Algorithm::from_settings(None), Some(Algorithm::HmacSha1));
    assert_eq!(
        Algorithm::from_settings(Some("key=k")),
        Some(Algorithm::HmacSha1)
    );
    assert_eq!(Algorithm::from_settings(Some("algorithm=HMAC_MD5")), None);
    let params = twilio_example();
    let sha256 = expected_with(Algorithm::HmacSha256, b"k", URL, &params);
    assert!(is_valid_with(
        Algorithm::HmacSha256,
        b"k",
        URL,
        &params,
        &sha256
    ));
    assert!(!is_valid(b"k", URL, &params, &sha256));
}
