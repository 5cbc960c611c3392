//! Steps the app tests share: apply, read the code the notifier would send, complete
//! registration through core, sign in.
#![allow(clippy::expect_used, clippy::unwrap_used, dead_code)]

use chrono::Utc;
use diesel::prelude::*;
use ehealth_core::actions::identity_verification::complete_application;
use ehealth_core::db::schema::notification_jobs as nj;
use ehealth_core::domain::{Actor, ActorKind};
use ehealth_core::ids::ProviderId;
use serde_json::{json, Value};

use crate::support::{json, TestApp};

/// Valid HKIC numbers for test people (the demo patient is A123456(3)).
pub const HKIC_B: &str = "B123456(6)";
pub const HKIC_C: &str = "C123456(9)";
pub const HKIC_D: &str = "D123456(1)";

pub fn clinic() -> String {
    ProviderId::from_serial(1001).unwrap().as_str().to_owned()
}

pub fn dental() -> String {
    ProviderId::from_serial(1002).unwrap().as_str().to_owned()
}

pub fn hospital_authority() -> String {
    ProviderId::from_serial(1).unwrap().as_str().to_owned()
}

pub fn application_body(hkic: &str, mobile: &str) -> Value {
    json!({
        "id_document": { "type": "hkic", "number": hkic },
        "name_en": "WONG, Siu Ming",
        "name_zh": "黃小明",
        "date_of_birth": "1990-02-28",
        "sex": "M",
        "mobile": mobile,
        "email": "wong@example.com",
        "language": "zh-Hant",
        "notification_means": ["sms", "email"]
    })
}

pub async fn post(
    app: &TestApp,
    path: &str,
    body: &Value,
    token: Option<&str>,
) -> reqwest::Response {
    let mut req = app.client.post(format!("{}{path}", app.api)).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.expect("request sent")
}

pub async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, format!("{}{path}", app.api));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await.expect("request sent")
}

/// The code in the newest verification-code job to `destination` (what the notifier
/// would deliver), read from the outbox queue.
pub fn last_code(app: &TestApp, destination: &str) -> String {
    let mut conn = app.conn();
    let payloads: Vec<String> = nj::table
        .filter(nj::job_type.eq("verification_code"))
        .order(nj::created_at.desc())
        .select(nj::payload)
        .load(&mut conn)
        .unwrap();
    payloads
        .iter()
        .map(|p| serde_json::from_str::<Value>(p).unwrap())
        .find(|p| p["destination"] == destination)
        .map(|mut p| {
            // The code is sealed in the job; open it as the notifier does.
            ehealth_core::seal::open_job_secrets(app.services.hasher.sealer(), &mut p).unwrap();
            p
        })
        .and_then(|p| p["facts"]["code"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no code sent to {destination}"))
}

/// A code that is not `code`.
pub fn wrong(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

/// Applies and verifies the mobile; returns the application id.
pub async fn apply_and_verify(app: &TestApp, hkic: &str, mobile: &str) -> String {
    let r = post(
        app,
        "/v1/app/applications",
        &application_body(hkic, mobile),
        None,
    )
    .await;
    assert_eq!(r.status(), 201);
    let id = json(r).await["id"].as_str().unwrap().to_owned();
    let code = last_code(app, mobile);
    let r = post(
        app,
        &format!("/v1/app/applications/{id}/verify-mobile"),
        &json!({ "code": code }),
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    id
}

/// Identity verified at the clinic's counter, through core (the counter route is #4's).
pub fn complete(app: &TestApp, application_id: &str) -> (String, String) {
    let mut conn = app.conn();
    let registered = complete_application(
        &mut conn,
        &app.services.hasher,
        application_id,
        &ProviderId::from_serial(1001).unwrap(),
        &Actor::new(ActorKind::Hcprof, "counter-test"),
        Utc::now(),
    )
    .expect("identity verification completes the application");
    (
        registered.patient.ehr_number,
        registered.access_key.expose().to_owned(),
    )
}

/// Signs in by SMS code; returns the bearer token.
pub async fn sign_in(app: &TestApp, ehr_number: &str, dob: &str, mobile: &str) -> String {
    let r = post(
        app,
        "/v1/app/sessions/otp",
        &json!({ "ehr_number": ehr_number, "date_of_birth": dob }),
        None,
    )
    .await;
    assert_eq!(r.status(), 202);
    let challenge = json(r).await["challenge_id"].as_str().unwrap().to_owned();
    let code = last_code(app, mobile);
    let r = post(
        app,
        "/v1/app/sessions/otp/verify",
        &json!({ "challenge_id": challenge, "code": code }),
        None,
    )
    .await;
    assert_eq!(r.status(), 201);
    json(r).await["token"].as_str().unwrap().to_owned()
}

/// A registered, signed-in patient: (eHR number, token, access key).
pub async fn patient(app: &TestApp, hkic: &str, mobile: &str) -> (String, String, String) {
    let id = apply_and_verify(app, hkic, mobile).await;
    let (ehr, key) = complete(app, &id);
    let token = sign_in(app, &ehr, "1990-02-28", mobile).await;
    (ehr, token, key)
}
