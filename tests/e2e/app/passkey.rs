//! Passkeys with a software authenticator (webauthn-authenticator-rs `SoftPasskey`): the
//! server's real WebAuthn checks run against real signatures.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use reqwest::Method;
use serde_json::{json, Value};
use url::Url;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs_proto::{AllowCredentials, CreationChallengeResponse, RequestChallengeResponse};

use super::helpers::*;
use crate::support::{json, TestApp};

/// The origin the app's passkey requests come from (the configured default).
fn origin(app: &TestApp) -> Url {
    Url::parse(&app.services.config.webauthn.rp_origins[0]).unwrap()
}

/// A phone with a passkey for one patient.
pub struct Phone {
    pub authenticator: SoftPasskey,
    pub credential_id: Vec<u8>,
}

/// Enrols a passkey for the signed-in patient.
pub async fn enrol(app: &TestApp, token: &str) -> Phone {
    let r = send(
        app,
        Method::POST,
        "/v1/app/passkeys/registration/start",
        Some(token),
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    let started = json(r).await;
    enrol_started(app, token, &started).await
}

/// Answers a started enrolment with a new software passkey.
pub async fn enrol_started(app: &TestApp, token: &str, started: &Value) -> Phone {
    let options: CreationChallengeResponse =
        serde_json::from_value(started["options"].clone()).unwrap();
    // UV is claimed by the software authenticator (a phone would ask for the fingerprint).
    let mut authenticator = SoftPasskey::new(true);
    let credential = authenticator.do_registration(origin(app), options).unwrap();
    let credential_id = credential.raw_id.as_slice().to_vec();
    let body = json!({ "ceremony_id": started["ceremony_id"], "name": "test phone", "credential": credential });
    let r = post(
        app,
        "/v1/app/passkeys/registration/finish",
        &body,
        Some(token),
    )
    .await;
    assert_eq!(r.status(), 201);
    Phone {
        authenticator,
        credential_id,
    }
}

/// Starts a sign-in (by eHR number, or discoverable) and answers it with the phone.
pub async fn answer(
    app: &TestApp,
    phone: &mut Phone,
    ehr: Option<&str>,
    user_handle: Option<&str>,
) -> (Value, Value) {
    let r = post(
        app,
        "/v1/app/sessions/passkey/start",
        &json!({ "ehr_number": ehr }),
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    let started = json(r).await;
    let mut options: RequestChallengeResponse =
        serde_json::from_value(started["options"].clone()).unwrap();
    if options.public_key.allow_credentials.is_empty() {
        // Discoverable: a real passkey finds its own credential and returns the user
        // handle; the software authenticator is told which credential to use.
        options.public_key.allow_credentials = vec![AllowCredentials {
            type_: "public-key".into(),
            id: phone.credential_id.clone(),
            transports: None,
        }];
    }
    let mut credential = phone
        .authenticator
        .do_authentication(origin(app), options)
        .unwrap();
    if let Some(handle) = user_handle {
        let uuid = uuid::Uuid::parse_str(handle).unwrap();
        credential.response.user_handle = Some(uuid.as_bytes().to_vec());
    }
    let body = json!({ "ceremony_id": started["ceremony_id"], "credential": credential });
    (body, started)
}

pub async fn sign_in(app: &TestApp, phone: &mut Phone, ehr: &str) -> String {
    let (body, _) = answer(app, phone, Some(ehr), None).await;
    let r = post(app, "/v1/app/sessions/passkey/finish", &body, None).await;
    assert_eq!(r.status(), 201);
    json(r).await["token"].as_str().unwrap().to_owned()
}

both_backends! {
    async fn passkeys_sign_in_discoverably_once_per_ceremony_and_only_their_owner(app: TestApp) {
        let app = app.with_demo();
        let (ehr, token, _) = patient(&app, HKIC_B, "+85269990001").await;
        let (other_ehr, other_token, _) = patient(&app, HKIC_C, "+85269990002").await;
        // Another patient cannot finish this patient's enrolment (nor use it up).
        let r = send(&app, Method::POST, "/v1/app/passkeys/registration/start", Some(&token), None).await;
        let started = json(r).await;
        let theirs = json!({ "ceremony_id": started["ceremony_id"], "credential": {} });
        let r = post(&app, "/v1/app/passkeys/registration/finish", &theirs, Some(&other_token)).await;
        assert_eq!(r.status(), 401);
        assert_eq!(json(r).await["error"]["code"], "ceremony_expired");
        let mut phone = enrol_started(&app, &token, &started).await;
        let mut other_phone = enrol(&app, &other_token).await;
        let patient_id = ehealth_core::db::patients::find_by_ehr_number(&mut app.conn(), &ehr).unwrap().unwrap().id;
        // Discoverable: no eHR number; the passkey's user handle says whose it is.
        let (body, started) = answer(&app, &mut phone, None, Some(patient_id.as_str())).await;
        assert!(started["options"]["publicKey"]["allowCredentials"].as_array().is_none_or(|a| a.is_empty()));
        let r = post(&app, "/v1/app/sessions/passkey/finish", &body, None).await;
        assert_eq!(r.status(), 201);
        let session = json(r).await;
        let r = send(&app, Method::GET, "/v1/app/me", session["token"].as_str(), None).await;
        assert_eq!(json(r).await["ehr_number"], ehr);
        // A ceremony finishes once.
        let r = post(&app, "/v1/app/sessions/passkey/finish", &body, None).await;
        assert_eq!(r.status(), 401);
        assert_eq!(json(r).await["error"]["code"], "ceremony_expired");
        // A ceremony started for one patient is not finished with another's passkey.
        let (_, started) = answer(&app, &mut phone, Some(&ehr), None).await;
        let (mut other_body, _) = answer(&app, &mut other_phone, Some(&other_ehr), None).await;
        other_body["ceremony_id"] = started["ceremony_id"].clone();
        let r = post(&app, "/v1/app/sessions/passkey/finish", &other_body, None).await;
        assert_eq!(r.status(), 401);
        // A forged signature is refused and audited.
        let (mut forged, _) = answer(&app, &mut phone, Some(&ehr), None).await;
        forged["credential"]["response"]["signature"] = json!("AAAA");
        let r = post(&app, "/v1/app/sessions/passkey/finish", &forged, None).await;
        assert_eq!(r.status(), 401);
        assert_eq!(json(r).await["error"]["code"], "passkey_rejected");
        // Not a credential at all.
        let r = post(&app, "/v1/app/sessions/passkey/finish", &json!({ "ceremony_id": "x", "credential": { "id": 1 } }), None).await;
        assert_eq!(r.status(), 400);
        assert_eq!(json(r).await["error"]["field"], "credential");
    }
}
