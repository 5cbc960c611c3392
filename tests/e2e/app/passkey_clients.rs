//! Passkeys as real clients use them (issues 11 and 19): the same answer for every
//! well-formed eHR number, enrolment that makes discoverable credentials where it can,
//! transports offered back, base64 mistakes named, native apps' origins.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use reqwest::Method;
use serde_json::{json, Value};

use super::helpers::*;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::WebauthnAuthenticator;

use super::passkey::{answer, Phone};
use crate::support::{json, TestApp};

async fn start_by_number(app: &TestApp, ehr: &str) -> Value {
    let r = post(
        app,
        "/v1/app/sessions/passkey/start",
        &json!({ "ehr_number": ehr }),
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    json(r).await
}

/// The options with every string, number and bool blanked and arrays cut to their first
/// element: what tells one answer's shape from another's. Ids and challenges are random
/// base64url, blanked by their key (about one in forty 22-character ids has no digit).
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| match k.as_str() {
                    "id" | "challenge" => (k.clone(), json!("*")),
                    _ => (k.clone(), shape(v)),
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().take(1).map(shape).collect()),
        Value::String(s) if s.len() < 30 && !s.chars().any(|c| c.is_ascii_digit()) => v.clone(),
        Value::String(_) => json!("*"),
        _ => json!(0),
    }
}

fn allowed(started: &Value) -> &Vec<Value> {
    started["options"]["publicKey"]["allowCredentials"]
        .as_array()
        .unwrap()
}

both_backends! {
    async fn passkey_sign_in_start_tells_nobody_who_has_passkeys(app: TestApp) {
        let app = app.with_demo();
        let (with_ehr, token, _) = patient(&app, HKIC_B, "+85269990001").await;
        let (without_ehr, _, _) = patient(&app, HKIC_C, "+85269990002").await;
        // Enrolled as a phone does it, reporting its transports.
        let r = send(&app, Method::POST, "/v1/app/passkeys/registration/start", Some(&token), None).await;
        let started = json(r).await;
        let (mut phone, _) = enrol_reporting(&app, &token, &started, json!(["hybrid", "internal"])).await;
        let nobody = (0..10)
            .find_map(|d| ehealth_core::ids::EhrNumber::parse(&format!("98765432101{d}")).ok())
            .unwrap();
        let with = start_by_number(&app, &with_ehr).await;
        let without = start_by_number(&app, &without_ehr).await;
        let unknown = start_by_number(&app, nobody.as_str()).await;
        // The same shape: credentials with transports, no mediation, no extensions.
        assert_eq!(shape(&with["options"]), shape(&without["options"]));
        assert_eq!(shape(&with["options"]), shape(&unknown["options"]));
        assert!(with["options"].get("mediation").is_none());
        // Ids of the lengths real authenticators make (16, 20 or 32 bytes in base64url).
        for started in [&with, &without, &unknown] {
            assert!(!allowed(started).is_empty(), "{started}");
            let id = allowed(started)[0]["id"].as_str().unwrap();
            assert!([22, 27, 43].contains(&id.len()), "{id}");
        }
        // Asking again gives the same decoys (a new set each time would give them away).
        let again = start_by_number(&app, nobody.as_str()).await;
        assert_eq!(allowed(&again), allowed(&unknown));
        assert_ne!(allowed(&without), allowed(&unknown));
        // A decoy ceremony cannot be finished, not even with someone's real passkey.
        let (mut body, _) = answer(&app, &mut phone, Some(&with_ehr), None).await;
        body["ceremony_id"] = without["ceremony_id"].clone();
        let r = post(&app, "/v1/app/sessions/passkey/finish", &body, None).await;
        assert_eq!(r.status(), 401);
        assert_eq!(json(r).await["error"]["code"], "passkey_unknown");
        // And the patient's own still signs in.
        let (body, _) = answer(&app, &mut phone, Some(&with_ehr), None).await;
        let r = post(&app, "/v1/app/sessions/passkey/finish", &body, None).await;
        assert_eq!(r.status(), 201);
    }

    async fn passkey_enrolment_prefers_a_discoverable_credential_and_keeps_transports(app: TestApp) {
        let app = app.with_demo();
        let (ehr, token, _) = patient(&app, HKIC_B, "+85269990001").await;
        let r = send(&app, Method::POST, "/v1/app/passkeys/registration/start", Some(&token), None).await;
        let started = json(r).await;
        let selection = &started["options"]["publicKey"]["authenticatorSelection"];
        assert_eq!(selection["residentKey"], "preferred");
        assert_eq!(selection["requireResidentKey"], false);
        assert_eq!(started["options"]["publicKey"]["extensions"]["credProps"], true);
        // The phone reports its transports (not signed, beside the attestation) and credProps.
        let (_, view) = enrol_reporting(&app, &token, &started, json!(["internal", "pigeon", "hybrid"])).await;
        assert_eq!(view["discoverable"], true);
        let offered = start_by_number(&app, &ehr).await;
        assert_eq!(allowed(&offered)[0]["transports"], json!(["hybrid", "internal"]));
    }

    async fn passkey_answers_in_standard_base64_are_named_as_such(app: TestApp) {
        let app = app.with_demo();
        let (ehr, token, _) = patient(&app, HKIC_B, "+85269990001").await;
        let mut phone = super::passkey::enrol(&app, &token).await;
        let (mut body, _) = answer(&app, &mut phone, Some(&ehr), None).await;
        let id = body["credential"]["rawId"].as_str().unwrap().replace('-', "+").replace('_', "/");
        body["credential"]["rawId"] = json!(format!("{id}/+"));
        let r = post(&app, "/v1/app/sessions/passkey/finish", &body, None).await;
        assert_eq!(r.status(), 400);
        let error = json(r).await["error"].clone();
        assert_eq!(error["field"], "credential");
        assert!(error["message"].as_str().unwrap().contains("base64url"), "{error}");
    }

    async fn concurrent_identical_enrolment_answers_enrol_one_passkey(app: TestApp) {
        let app = app.with_demo();
        let (_, token, _) = patient(&app, HKIC_B, "+85269990001").await;
        let r = send(&app, Method::POST, "/v1/app/passkeys/registration/start", Some(&token), None).await;
        let started = json(r).await;
        let (_, body) = registration_answer(&app, &started, json!(["internal"]));
        let tries = (0..4).map(|_| post(&app, "/v1/app/passkeys/registration/finish", &body, Some(&token)));
        let statuses: Vec<u16> = futures::future::join_all(tries).await.iter().map(|r| r.status().as_u16()).collect();
        assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == 201 || *s == 401), "{statuses:?}");
    }
}

/// A software passkey's enrolment answer, with `transports` and `credProps` as a
/// browser's `toJSON()` adds them.
fn registration_answer(app: &TestApp, started: &Value, transports: Value) -> (Phone, Value) {
    let options = serde_json::from_value(started["options"].clone()).unwrap();
    let origin = url::Url::parse(&app.services.config.webauthn.rp_origins[0]).unwrap();
    let mut authenticator = SoftPasskey::new(true);
    let registered = authenticator.do_registration(origin, options).unwrap();
    let credential_id = registered.raw_id.as_slice().to_vec();
    let mut credential = serde_json::to_value(registered).unwrap();
    credential["response"]["transports"] = transports;
    let map = credential.as_object_mut().unwrap();
    map.remove("extensions"); // webauthn-rs's name for it; toJSON() says clientExtensionResults
    map.insert(
        "clientExtensionResults".into(),
        json!({ "credProps": { "rk": true } }),
    );
    let body =
        json!({ "ceremony_id": started["ceremony_id"], "name": "phone", "credential": credential });
    (
        Phone {
            authenticator,
            credential_id,
        },
        body,
    )
}

/// Enrols as a phone does it; gives the phone and the enrolment's answer.
async fn enrol_reporting(
    app: &TestApp,
    token: &str,
    started: &Value,
    transports: Value,
) -> (Phone, Value) {
    let (phone, body) = registration_answer(app, started, transports);
    let r = post(
        app,
        "/v1/app/passkeys/registration/finish",
        &body,
        Some(token),
    )
    .await;
    assert_eq!(r.status(), 201);
    (phone, json(r).await)
}
