//! What the hcp tests share: the demo world, signing in with a TOTP code computed from the
//! enrolment secret, and short-hands for the calls.
#![allow(clippy::expect_used, clippy::unwrap_used, dead_code)]

use chrono::Utc;
use ehealth_core::actions::demo::{DemoSummary, DEMO_PASSWORD, DEMO_TOTP_SECRET};
use ehealth_core::ids::ProviderId;
use serde_json::{json, Value};

use crate::support::{json, TestApp};

pub const PASSWORD: &str = "correct horse battery staple";

pub fn clinic() -> String {
    ProviderId::from_serial(1001).unwrap().as_str().to_owned()
}

/// Loads the demo and returns what it made (patient eHR number and access key).
pub fn demo(app: &TestApp) -> DemoSummary {
    app.services
        .seed_demo()
        .expect("seed")
        .expect("fresh database")
}

/// The code an authenticator shows `offset_steps` steps from now (a second sign-in in the
/// same 30 s uses the next step, which the one-step skew accepts).
pub fn code(secret: &str, offset_steps: i64) -> String {
    let t = Utc::now().timestamp() + offset_steps * 30;
    mobile_bridge::totp::code_at(secret, t as u64).expect("code")
}

pub async fn post(app: &TestApp, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut req = app.client.post(format!("{}{path}", app.api)).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("sent");
    let status = r.status().as_u16();
    (status, json(r).await)
}

pub async fn get(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    let r = app
        .client
        .get(format!("{}{path}", app.api))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    let status = r.status().as_u16();
    (status, json(r).await)
}

pub async fn sign_in_raw(
    app: &TestApp,
    hcp_id: Option<&str>,
    user: &str,
    password: &str,
    code: &str,
) -> (u16, Value) {
    let body = match hcp_id {
        Some(id) => {
            json!({ "hcp_id": id, "username": user, "password": password, "totp_code": code })
        }
        None => json!({ "username": user, "password": password, "totp_code": code }),
    };
    let path = if hcp_id.is_some() {
        "/v1/hcp/sessions"
    } else {
        "/v1/admin/sessions"
    };
    post(app, path, None, body).await
}

pub async fn sign_in(
    app: &TestApp,
    hcp_id: Option<&str>,
    user: &str,
    password: &str,
    secret: &str,
) -> String {
    let (status, body) = sign_in_raw(app, hcp_id, user, password, &code(secret, 0)).await;
    assert_eq!(status, 201, "sign in {user}: {body}");
    body["token"].as_str().expect("token").to_owned()
}

pub async fn clinic_admin(app: &TestApp) -> String {
    sign_in(
        app,
        Some(&clinic()),
        "admin",
        DEMO_PASSWORD,
        DEMO_TOTP_SECRET,
    )
    .await
}

pub async fn office(app: &TestApp) -> String {
    sign_in(app, None, "office", DEMO_PASSWORD, DEMO_TOTP_SECRET).await
}

/// A UA creates an account, enrols its TOTP and signs it in: (account id, token, secret).
pub async fn professional(
    app: &TestApp,
    admin: &str,
    username: &str,
    profession: &str,
) -> (String, String, String) {
    let (status, account) = post(
        app,
        "/v1/hcp/accounts",
        Some(admin),
        json!({
            "username": username, "display_name": format!("Test {username}"), "password": PASSWORD,
            "profession": profession, "registration_number": "R12345",
        }),
    )
    .await;
    assert_eq!(status, 201, "{account}");
    let id = account["id"].as_str().unwrap().to_owned();
    let (status, enrol) = post(
        app,
        &format!("/v1/hcp/accounts/{id}/totp"),
        Some(admin),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{enrol}");
    let secret = enrol["secret"].as_str().unwrap().to_owned();
    let token = sign_in(app, Some(&clinic()), username, PASSWORD, &secret).await;
    (id, token, secret)
}

pub fn walk_in(hkic: &str) -> Value {
    json!({
        "particulars": {
            "id_document": { "type": "hkic", "number": hkic },
            "name_en": "WONG, Siu Fong", "name_zh": "黃小芳", "date_of_birth": "1990-05-17",
            "sex": "F", "mobile": "+85298765432", "email": "wong@example.com",
            "language": "zh-Hant", "notification_means": ["sms", "email"],
        },
        "verified_by": "smart_hkic",
        "contact_confirmed": true,
    })
}

/// Registers a walk-in patient at the clinic: (eHR number, access key).
pub async fn registered_patient(app: &TestApp, hcprof: &str, hkic: &str) -> (String, String) {
    let (status, body) = post(
        app,
        "/v1/hcp/identity-verifications",
        Some(hcprof),
        walk_in(hkic),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    (
        body["ehr_number"].as_str().unwrap().to_owned(),
        body["access_key"].as_str().unwrap().to_owned(),
    )
}

pub async fn key_consent(
    app: &TestApp,
    hcprof: &str,
    ehr: &str,
    key: &str,
    action: &str,
) -> (u16, Value) {
    post(
        app,
        "/v1/hcp/consents/access-key",
        Some(hcprof),
        json!({ "ehr_number": ehr, "access_key": key, "action": action, "type": "one_year" }),
    )
    .await
}

pub async fn share(app: &TestApp, hcprof: &str, ehr: &str, data_type: &str, document: Value) {
    let (status, body) = post(
        app,
        "/v1/hcp/records",
        Some(hcprof),
        json!({ "ehr_number": ehr, "data_type": data_type, "document": document }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

pub async fn view(
    app: &TestApp,
    hcprof: &str,
    ehr: &str,
    types: &[&str],
    reason: &str,
) -> (u16, Value) {
    post(
        app,
        "/v1/hcp/record-views",
        Some(hcprof),
        json!({ "ehr_number": ehr, "purpose": { "reason": reason }, "data_types": types }),
    )
    .await
}

/// Wrong on purpose: the right key with its first digit changed.
pub fn wrong_key(key: &str) -> String {
    let first = key.as_bytes()[0];
    let other = if first == b'9' {
        '0'
    } else {
        (first + 1) as char
    };
    format!("{other}{}", &key[1..])
}
