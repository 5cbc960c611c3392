//! Signatures checked against Twilio's own helper library: the Python `twilio` package's
//! `RequestValidator` (scripts/twilio-signatures.py) signs, and says what it accepts; our
//! validator and the running service must agree, port forms and HMAC-SHA256 included.
//! Skipped when python3 or the package is missing, unless `EHEALTH_TEST_TWILIO_SDK=required`
//! (CI), where a missing package fails the test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::Write;
use std::process::{Command, Stdio};

use ehealth_core::db::Backend;
use ehealth_ivr::signature::{self, Algorithm, SETTINGS_HEADER};
use serde_json::{json, Value};

use super::call::{self, params, AUTH_TOKEN};
use crate::support::TestApp;

const SHARED_KEY: &str = "shared-key-secret-of-a-webhooks-rule";

struct Case {
    key: &'static str,
    signed_url: String,
    checked_url: String,
    params: Vec<(String, String)>,
    algorithm: &'static str,
}

struct Verdict {
    signature: String,
    valid: bool,
}

/// Twilio's signatures and verdicts for `cases`; `None` if the library is not installed
/// and not required.
fn twilio_says(cases: &[Case]) -> Option<Vec<Verdict>> {
    let required = std::env::var("EHEALTH_TEST_TWILIO_SDK").as_deref() == Ok("required");
    let input: Vec<Value> = cases
        .iter()
        .map(|c| {
            json!({
                "key": c.key, "signed_url": c.signed_url, "checked_url": c.checked_url,
                "params": c.params, "algorithm": c.algorithm,
            })
        })
        .collect();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/twilio-signatures.py");
    let child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        assert!(!required, "python3 is required for the Twilio SDK tests");
        eprintln!("skipped: no python3");
        return None;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input_text(&input).as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    if output.status.code() == Some(3) {
        assert!(
            !required,
            "the twilio package is required: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        eprintln!("skipped: the twilio Python package is not installed");
        return None;
    }
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let verdicts: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    Some(
        verdicts
            .iter()
            .map(|v| Verdict {
                signature: v["signature"].as_str().unwrap().to_owned(),
                valid: v["valid"].as_bool().unwrap(),
            })
            .collect(),
    )
}

fn input_text(input: &[Value]) -> String {
    serde_json::to_string(input).unwrap()
}

fn form() -> Vec<(String, String)> {
    params(&[
        ("CallSid", "CAsdk"),
        ("CallStatus", "completed"),
        ("From", "+85291234567"),
        ("To", "+85231234567"),
        ("Digits", "1#"),
        ("SpeechResult", "你好 & goodbye"),
    ])
}

/// Every public URL form against every signed form, both algorithms: our validator
/// agrees with Twilio's on every pair.
#[test]
fn our_validator_accepts_exactly_what_twilios_accepts() {
    let bases = [
        "https://ivr.example.org:8443",
        "https://ivr.example.org",
        "https://ivr.example.org:443",
        "http://ivr.example.org:8081",
        "http://ivr.example.org",
    ];
    let signed_forms = [
        "https://ivr.example.org:8443",
        "https://ivr.example.org",
        "https://ivr.example.org:443",
        "http://ivr.example.org:80",
        "http://ivr.example.org:8081",
        "https://other.example.org",
    ];
    let mut repeated = form();
    repeated.push(("Digits".to_owned(), "2".to_owned()));
    repeated.push(("Digits".to_owned(), "2".to_owned()));
    let mut cases = Vec::new();
    for base in bases {
        for signed in signed_forms {
            for (key, algorithm) in [(AUTH_TOKEN, "HMAC_SHA1"), (SHARED_KEY, "HMAC_SHA256")] {
                for params in [form(), repeated.clone()] {
                    cases.push(Case {
                        key,
                        algorithm,
                        params,
                        signed_url: format!("{signed}/ivr/voice/menu?n=4"),
                        checked_url: format!("{base}/ivr/voice/menu?n=4"),
                    });
                }
            }
        }
    }
    let Some(verdicts) = twilio_says(&cases) else {
        return;
    };
    let mut accepted = 0;
    for (case, twilio) in cases.iter().zip(&verdicts) {
        let algorithm =
            Algorithm::from_settings(Some(&format!("algorithm={}", case.algorithm))).unwrap();
        let ours = signature::is_valid_with(
            algorithm,
            case.key.as_bytes(),
            &case.checked_url,
            &case.params,
            &twilio.signature,
        );
        assert_eq!(
            ours, twilio.valid,
            "signed over {} checked at {} ({})",
            case.signed_url, case.checked_url, case.algorithm
        );
        assert_eq!(
            signature::expected_with(
                algorithm,
                case.key.as_bytes(),
                &case.signed_url,
                &case.params
            ),
            twilio.signature
        );
        accepted += usize::from(ours);
    }
    assert!(
        accepted > 0 && accepted < cases.len(),
        "the matrix has both answers"
    );
}

async fn post(app: &TestApp, signature: &str, settings: Option<&str>) -> u16 {
    let mut request = app
        .client
        .post(format!("{}/ivr/status", app.ivr))
        .header("X-Twilio-Signature", signature)
        .form(&form());
    if let Some(settings) = settings {
        request = request.header(SETTINGS_HEADER, settings);
    }
    request.send().await.unwrap().status().as_u16()
}

/// The running service behind `public`: each webhook Twilio's library signs is answered
/// 204 exactly when the library's own validator accepts it.
async fn service_agrees(public: &str, signed_forms: &[&str]) {
    let app = TestApp::start_with(Backend::Sqlite, |config| {
        call::configure(config);
        config.ivr.public_url = public.to_owned();
        config.twilio.webhook_shared_key = Some(SHARED_KEY.to_owned().into());
    })
    .await
    .unwrap();
    let mut cases = Vec::new();
    for signed in signed_forms {
        for (key, algorithm) in [
            (AUTH_TOKEN, "HMAC_SHA1"),
            (SHARED_KEY, "HMAC_SHA256"),
            (AUTH_TOKEN, "HMAC_SHA256"),
        ] {
            cases.push(Case {
                key,
                algorithm,
                params: form(),
                signed_url: format!("{signed}/ivr/status"),
                checked_url: format!("{public}/ivr/status"),
            });
        }
    }
    let Some(verdicts) = twilio_says(&cases) else {
        return;
    };
    for (case, twilio) in cases.iter().zip(&verdicts) {
        let settings = (case.algorithm == "HMAC_SHA256")
            .then(|| "key=webhooks_sharedkey_01,algorithm=HMAC_SHA256".to_owned());
        // A token-signed SHA-256 claims the shared key: Twilio's verdict is for the token.
        let twilio_valid = twilio.valid && !(case.key == AUTH_TOKEN && settings.is_some());
        let status = post(&app, &twilio.signature, settings.as_deref()).await;
        let want = if twilio_valid { 204 } else { 403 };
        assert_eq!(
            status, want,
            "{} signed over {} at {public}",
            case.algorithm, case.signed_url
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_accepts_twilios_signatures_with_and_without_the_port() {
    let forms = [
        "https://ivr.example.org:8443",
        "https://ivr.example.org",
        "https://ivr.example.org:443",
    ];
    service_agrees("https://ivr.example.org:8443", &forms).await;
    service_agrees("https://ivr.example.org", &forms).await;
}
