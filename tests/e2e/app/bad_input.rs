//! Every malformed body, wrong type, unknown field, unknown value and oversize input gets
//! a 4xx with a stable code (naming the field where there is one), on every route.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use reqwest::Method;
use serde_json::{json, Value};

use super::helpers::*;
use crate::support::json;

/// What to send and what must come back.
struct Case {
    method: Method,
    path: String,
    body: Body,
    status: u16,
    code: &'static str,
    field: Option<&'static str>,
}

enum Body {
    None,
    Json(Value),
    Raw(&'static str, String),
}

fn case(
    method: Method,
    path: &str,
    body: Body,
    status: u16,
    code: &'static str,
    field: Option<&'static str>,
) -> Case {
    Case {
        method,
        path: path.to_owned(),
        body,
        status,
        code,
        field,
    }
}

fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

/// The same four faults on every route that takes a body.
fn body_faults(method: Method, path: &str, good: &Value) -> Vec<Case> {
    vec![
        case(
            method.clone(),
            path,
            Body::Raw("application/json", "{\"oops\":".into()),
            400,
            "invalid_json",
            None,
        ),
        case(
            method.clone(),
            path,
            Body::Json(with(good.clone(), "surprise", json!(1))),
            400,
            "invalid_json",
            None,
        ),
        case(
            method.clone(),
            path,
            Body::Raw("text/plain", good.to_string()),
            400,
            "unsupported_media_type",
            None,
        ),
        case(
            method,
            path,
            Body::Raw(
                "application/json",
                format!("{{\"x\":\"{}\"}}", "a".repeat(70_000)),
            ),
            400,
            "body_too_large",
            None,
        ),
    ]
}

#[rustfmt::skip]
fn cases(app_id: &str) -> Vec<Case> {
    use Method as M;
    let apply = application_body(HKIC_D, "+85268880001");
    let otp = json!({ "ehr_number": "1234 5678 9015", "date_of_birth": "1990-01-01" });
    let consent = format!("/v1/app/consents/{}", clinic());
    let verify = format!("/v1/app/applications/{app_id}/verify-mobile");
    let invalid = |m: M, p: &str, b: Value, field: &'static str| case(m, p, Body::Json(b), 400, "invalid_input", Some(field));
    let mut all = Vec::new();
    for (m, p, good) in [
        (M::POST, "/v1/app/applications".to_owned(), apply.clone()),
        (M::POST, verify.clone(), json!({ "code": "123456" })),
        (M::POST, "/v1/app/sessions/otp".to_owned(), otp.clone()),
        (M::POST, "/v1/app/sessions/otp/verify".to_owned(), json!({ "challenge_id": "x", "code": "123456" })),
        (M::POST, "/v1/app/sessions/passkey/start".to_owned(), json!({ "ehr_number": null })),
        (M::POST, "/v1/app/sessions/passkey/finish".to_owned(), json!({ "ceremony_id": "c", "credential": {} })),
        (M::POST, "/v1/app/passkeys/registration/finish".to_owned(), json!({ "ceremony_id": "c", "credential": {} })),
        (M::PATCH, "/v1/app/me/preferences".to_owned(), json!({ "language": "en" })),
        (M::POST, "/v1/app/me/contact-verification".to_owned(), json!({ "contact": "mobile", "code": "123456" })),
        (M::PUT, consent.clone(), json!({ "type": "one_year" })),
        (M::POST, "/v1/app/devices".to_owned(), json!({ "fcm_token": "t", "platform": "ios" })),
        (M::POST, "/v1/app/withdrawal".to_owned(), json!({ "confirm": true })),
    ] {
        all.extend(body_faults(m, &p, &good));
    }
    let a = "/v1/app/applications";
    all.extend([
        case(M::POST, a, Body::Json(with(apply.clone(), "name_en", json!(5))), 400, "invalid_json", None),
        invalid(M::POST, a, with(apply.clone(), "sex", json!("X")), "sex"),
        invalid(M::POST, a, with(apply.clone(), "language", json!("fr")), "language"),
        invalid(M::POST, a, with(apply.clone(), "notification_means", json!(["fax"])), "notification_means"),
        invalid(M::POST, a, with(apply.clone(), "notification_means", json!([])), "notification_means"),
        invalid(M::POST, a, with(apply.clone(), "notification_means", json!(["post"])), "postal_address"),
        invalid(M::POST, a, with(apply.clone(), "date_of_birth", json!("28/02/1990")), "date_of_birth"),
        invalid(M::POST, a, with(apply.clone(), "date_of_birth", json!("2999-01-01")), "date_of_birth"),
        invalid(M::POST, a, with(apply.clone(), "id_document", json!({ "type": "licence", "number": "1" })), "id_document.type"),
        invalid(M::POST, a, with(apply.clone(), "id_document", json!({ "type": "hkic", "number": "A123456(4)" })), "hkic"),
        invalid(M::POST, a, with(apply.clone(), "mobile", json!("call me")), "mobile"),
        invalid(M::POST, a, with(apply.clone(), "email", json!("x@")), "email"),
        invalid(M::POST, a, with(apply.clone(), "name_en", json!("n".repeat(201))), "name_en"),
        invalid(M::POST, a, with(apply.clone(), "name_en", json!("  ")), "name_en"),
        invalid(M::POST, a, with(apply, "postal_address", json!("p".repeat(501))), "postal_address"),
        invalid(M::POST, &verify, json!({ "code": "12345" }), "code"),
        case(M::POST, &verify, Body::Json(json!({ "code": 123456 })), 400, "invalid_json", None),
        case(M::GET, "/v1/app/applications/no-such-id", Body::None, 404, "application_not_found", None),
        case(M::POST, "/v1/app/applications/no-such-id/resend-code", Body::None, 404, "application_not_found", None),
        case(M::POST, "/v1/app/applications/no-such-id/verify-mobile", Body::Json(json!({ "code": "123456" })), 404, "application_not_found", None),
        invalid(M::POST, "/v1/app/sessions/otp", with(otp.clone(), "ehr_number", json!("123")), "ehr_number"),
        invalid(M::POST, "/v1/app/sessions/otp", json!({ "date_of_birth": "1990-01-01" }), "ehr_number"),
        invalid(M::POST, "/v1/app/sessions/otp", with(otp, "date_of_birth", json!("yesterday")), "date_of_birth"),
        invalid(M::POST, "/v1/app/sessions/otp/verify", json!({ "challenge_id": "c".repeat(65), "code": "123456" }), "challenge_id"),
        invalid(M::POST, "/v1/app/sessions/otp/verify", json!({ "challenge_id": "c", "code": "abcdef" }), "code"),
        invalid(M::POST, "/v1/app/sessions/passkey/start", json!({ "ehr_number": "12" }), "ehr_number"),
        invalid(M::POST, "/v1/app/sessions/passkey/finish", json!({ "ceremony_id": "c", "credential": { "id": 5 } }), "credential"),
        invalid(M::POST, "/v1/app/sessions/passkey/finish", json!({ "ceremony_id": "c".repeat(65), "credential": {} }), "ceremony_id"),
        invalid(M::POST, "/v1/app/passkeys/registration/finish", json!({ "ceremony_id": "c", "name": "n".repeat(101), "credential": {} }), "name"),
        case(M::POST, "/v1/app/passkeys/registration/finish", Body::Json(json!({ "ceremony_id": "c", "credential": {} })), 401, "ceremony_expired", None),
        invalid(M::PATCH, "/v1/app/me/preferences", json!({ "language": "xx" }), "language"),
        invalid(M::PATCH, "/v1/app/me/preferences", json!({ "notification_means": [] }), "notification_means"),
        invalid(M::PATCH, "/v1/app/me/preferences", json!({ "mobile": "12" }), "mobile"),
        invalid(M::PATCH, "/v1/app/me/preferences", json!({ "email": "not an email" }), "email"),
        // The same postal address rule as an application's: no control characters.
        invalid(M::PATCH, "/v1/app/me/preferences", json!({ "postal_address": "Flat A\u{0}" }), "postal_address"),
        invalid(M::PATCH, "/v1/app/me/preferences", json!({ "postal_address": "p".repeat(501) }), "postal_address"),
        invalid(M::POST, "/v1/app/me/contact-verification", json!({ "contact": "fax", "code": "123456" }), "contact"),
        invalid(M::PUT, &consent, json!({ "type": "forever" }), "type"),
        invalid(M::PUT, &consent, json!({ "type": "deemed" }), "type"),
        invalid(M::PUT, "/v1/app/consents/123", json!({ "type": "one_year" }), "hcp_id"),
        invalid(M::PUT, "/v1/app/consents/000010010", json!({ "type": "one_year" }), "hcp_id"),
        case(M::PUT, "/v1/app/consents/000099994", Body::Json(json!({ "type": "one_year" })), 404, "provider_not_found", None),
        invalid(M::POST, "/v1/app/devices", json!({ "fcm_token": "t", "platform": "windows" }), "platform"),
        invalid(M::POST, "/v1/app/devices", json!({ "fcm_token": "", "platform": "ios" }), "fcm_token"),
        invalid(M::POST, "/v1/app/devices", json!({ "fcm_token": "t".repeat(4097), "platform": "ios" }), "fcm_token"),
        case(M::POST, "/v1/app/withdrawal", Body::Json(json!({ "confirm": "yes" })), 400, "invalid_json", None),
        case(M::GET, "/v1/app/access-records?limit=0", Body::None, 400, "invalid_input", Some("limit")),
        case(M::GET, "/v1/app/access-records?limit=1000", Body::None, 400, "invalid_input", Some("limit")),
        case(M::GET, "/v1/app/access-records?before=-1", Body::None, 400, "invalid_input", Some("before")),
        case(M::GET, "/v1/app/access-records?limit=abc", Body::None, 400, "invalid_query", None),
        case(M::GET, "/v1/app/access-records?page=2", Body::None, 400, "invalid_query", None),
        case(M::GET, "/v1/app/providers", Body::None, 400, "invalid_query", None),
        case(M::GET, "/v1/app/providers?q=", Body::None, 400, "invalid_input", Some("q")),
        case(M::GET, &format!("/v1/app/providers?q={}", "q".repeat(101)), Body::None, 400, "invalid_input", Some("q")),
        case(M::DELETE, "/v1/app/devices/no-such-device", Body::None, 404, "not_found", None),
        case(M::POST, "/v1/app/approvals/no-such-approval/approve", Body::None, 404, "not_found", None),
    ]);
    all
}

both_backends! {
    async fn every_bad_input_gets_a_4xx_with_a_stable_code(app: TestApp) {
        let app = app.with_demo();
        let (_, token, _) = patient(&app, HKIC_B, "+85268880002").await;
        // An application waiting for its code, for the verify-mobile cases.
        let r = post(&app, "/v1/app/applications", &application_body(HKIC_C, "+85268880003"), None).await;
        let app_id = json(r).await["id"].as_str().unwrap().to_owned();
        for c in cases(&app_id) {
            let mut req = app.client.request(c.method.clone(), format!("{}{}", app.api, c.path)).bearer_auth(&token);
            req = match &c.body {
                Body::None => req,
                Body::Json(v) => req.json(v),
                Body::Raw(ct, text) => req.header("Content-Type", *ct).body(text.clone()),
            };
            let r = req.send().await.unwrap();
            let what = format!("{} {} {}", c.method, c.path, match &c.body { Body::Json(v) => v.to_string(), _ => String::new() });
            assert_eq!(r.status().as_u16(), c.status, "{what}");
            let body = json(r).await;
            assert_eq!(body["error"]["code"], c.code, "{what}: {body}");
            if let Some(field) = c.field {
                assert_eq!(body["error"]["field"], field, "{what}: {body}");
            }
        }
        // Nothing half-written: the patient is still there, unchanged, and may act.
        let r = send(&app, Method::GET, "/v1/app/me", Some(&token), None).await;
        let me = json(r).await;
        assert_eq!(me["status"], "registered");
        assert_eq!(me["language"], "zh-Hant");
    }
}
