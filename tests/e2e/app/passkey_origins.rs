//! Native apps' passkeys (issue 19 item 13): an Android app signs with the origin
//! `android:apk-key-hash:<its signing key>`, accepted only when configured; the phones learn
//! which apps may use the domain's passkeys from `/.well-known/*`. And the demo page is
//! for development only.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use ehealth_core::config::{AndroidApp, Config, Mode};
use ehealth_core::db::Backend;
use serde_json::json;
use url::Url;
use webauthn_authenticator_rs::AuthenticatorBackend;
use webauthn_rs_proto::RequestChallengeResponse;

use super::helpers::*;
use super::passkey::enrol;
use crate::support::{json, TestApp};

/// The origin of the app signed with `FINGERPRINT`: base64url of its bytes.
const OUR_APP: &str = "android:apk-key-hash:FG3pg8VzBlDY7rmVLzT8ZBagg0LmHb6oigSWsj_PROU";
const OTHER_APP: &str = "android:apk-key-hash:U29tZWJvZHkgZWxzZSdzIGFwcCBzaWduaW5nIGtleQ";
const FINGERPRINT: &str = "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5";

fn with_apps(c: &mut Config) {
    c.webauthn.rp_origins.push(OUR_APP.to_owned());
    c.webauthn.android_apps = vec![AndroidApp {
        package_name: "hk.gov.ehealth.app".to_owned(),
        sha256_cert_fingerprints: vec![FINGERPRINT.to_owned()],
    }];
    c.webauthn.ios_apps = vec!["ABCDE12345.hk.gov.ehealth.app".to_owned()];
}

async fn android_sign_in(backend: Backend) {
    let Some(app) = TestApp::start_with(backend, with_apps).await else {
        return;
    };
    let app = app.with_demo();
    let (ehr, token, _) = patient(&app, HKIC_B, "+85269990001").await;
    let mut phone = enrol(&app, &token).await;
    for (origin, status) in [(OTHER_APP, 401), (OUR_APP, 201)] {
        let r = post(
            &app,
            "/v1/app/sessions/passkey/start",
            &json!({ "ehr_number": ehr }),
            None,
        )
        .await;
        let started = json(r).await;
        let options: RequestChallengeResponse =
            serde_json::from_value(started["options"].clone()).unwrap();
        // The backend call, as the Android credential manager makes it: the safe wrapper
        // insists on a web origin.
        let credential = phone
            .authenticator
            .perform_auth(Url::parse(origin).unwrap(), options.public_key, 60_000)
            .unwrap();
        let body = json!({ "ceremony_id": started["ceremony_id"], "credential": credential });
        let r = post(&app, "/v1/app/sessions/passkey/finish", &body, None).await;
        assert_eq!(r.status(), status, "{origin}");
        if status == 401 {
            assert_eq!(json(r).await["error"]["code"], "passkey_rejected");
        }
    }
    let assetlinks = json(
        app.get(&format!("{}/.well-known/assetlinks.json", app.api))
            .await,
    )
    .await;
    assert_eq!(
        assetlinks[0]["target"]["package_name"],
        "hk.gov.ehealth.app"
    );
    assert_eq!(
        assetlinks[0]["target"]["sha256_cert_fingerprints"][0],
        FINGERPRINT
    );
    assert!(assetlinks[0]["relation"]
        .as_array()
        .unwrap()
        .contains(&json!("delegate_permission/common.get_login_creds")));
    let r = app
        .get(&format!(
            "{}/.well-known/apple-app-site-association",
            app.api
        ))
        .await;
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(
        json(r).await["webcredentials"]["apps"],
        json!(["ABCDE12345.hk.gov.ehealth.app"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn android_app_origin_is_accepted_only_when_configured_sqlite() {
    android_sign_in(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn android_app_origin_is_accepted_only_when_configured_postgres() {
    android_sign_in(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passkey_demo_page_is_served_in_development_only() {
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let r = app.get(&format!("{}/passkey-demo", app.api)).await;
    assert_eq!(r.status(), 200);
    let r = app.get(&format!("{}/passkey-demo/page.js", app.api)).await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("parseCreationOptionsFromJSON(started.options.publicKey)"));
    let prod = TestApp::start_with(Backend::Sqlite, |c| c.mode = Mode::Production)
        .await
        .unwrap();
    for path in ["/passkey-demo", "/passkey-demo/page.js"] {
        let r = prod.get(&format!("{}{path}", prod.api)).await;
        assert_eq!(r.status(), 404, "{path}");
    }
}

/// Each key of `served` (an object) is a documented property of `schema` (resolved in
/// `doc`), recursively: the document says what the api really sends.
fn documented(
    doc: &serde_json::Value,
    schema: &serde_json::Value,
    served: &serde_json::Value,
    at: &str,
) {
    let schema = match schema["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => schema,
    };
    let Some(fields) = served.as_object() else {
        return;
    };
    if schema.get("properties").is_none() {
        return; // a free-form value (such as `rp`), described in words
    }
    for (key, value) in fields {
        let property = &schema["properties"][key];
        assert!(
            property.is_object(),
            "{at}.{key} is sent but not in the OpenAPI document"
        );
        documented(doc, property, value, &format!("{at}.{key}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_types_the_webauthn_json_the_api_sends() {
    let app = TestApp::start(Backend::Sqlite).await.unwrap().with_demo();
    let doc = json(app.get(&format!("{}/openapi.json", app.api)).await).await;
    let schema = |path: &str, status: &str| {
        doc["paths"][path]["post"]["responses"][status]["content"]["application/json"]["schema"]
            .clone()
    };
    let (_, token, _) = patient(&app, HKIC_B, "+85269990001").await;
    let r = send(
        &app,
        reqwest::Method::POST,
        "/v1/app/passkeys/registration/start",
        Some(&token),
        None,
    )
    .await;
    let started = json(r).await;
    documented(
        &doc,
        &schema("/v1/app/passkeys/registration/start", "200"),
        &started,
        "registration",
    );
    let r = post(&app, "/v1/app/sessions/passkey/start", &json!({}), None).await;
    let started = json(r).await;
    documented(
        &doc,
        &schema("/v1/app/sessions/passkey/start", "200"),
        &started,
        "sign-in",
    );
    assert!(started["options"]["publicKey"]["challenge"].is_string());
    let schemas = &doc["components"]["schemas"];
    for name in ["RegistrationOptions", "SignInOptions"] {
        assert!(
            schemas[name]["properties"]["publicKey"].is_object(),
            "{name}.publicKey"
        );
    }
    for name in [
        "RegistrationResponseJson",
        "AuthenticationResponseJson",
        "PublicKeyCredentialDescriptorJson",
    ] {
        assert!(schemas[name]["properties"].is_object(), "{name} is typed");
    }
}
