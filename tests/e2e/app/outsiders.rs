//! A patient reaches only their own data: every protected `/v1/app` route refuses a caller
//! without a session, and with another patient's token and ids it acts on the caller
//! alone or answers as if the id did not exist.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use chrono::{Duration, Utc};
use diesel::prelude::*;
use ehealth_core::db::approvals::{self, Approval};
use ehealth_core::db::schema::accounts;
use ehealth_core::db::{new_id, patients, sessions, to_db};
use reqwest::Method;
use serde_json::{json, Value};

use super::helpers::*;
use crate::support::{json, TestApp};

/// Every route that needs a session, with a body it would accept.
pub fn protected_routes(hcp: &str) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::DELETE, "/v1/app/sessions/current".into(), None),
        (Method::GET, "/v1/app/me".into(), None),
        (
            Method::POST,
            "/v1/app/passkeys/registration/start".into(),
            None,
        ),
        (
            Method::POST,
            "/v1/app/passkeys/registration/finish".into(),
            Some(json!({ "ceremony_id": "c", "credential": {} })),
        ),
        (
            Method::PATCH,
            "/v1/app/me/preferences".into(),
            Some(json!({ "language": "en" })),
        ),
        (
            Method::POST,
            "/v1/app/me/contact-verification".into(),
            Some(json!({ "contact": "mobile", "code": "123456" })),
        ),
        (Method::GET, "/v1/app/consents".into(), None),
        (
            Method::PUT,
            format!("/v1/app/consents/{hcp}"),
            Some(json!({ "type": "indefinite" })),
        ),
        (Method::DELETE, format!("/v1/app/consents/{hcp}"), None),
        (Method::POST, "/v1/app/access-key".into(), None),
        (Method::GET, "/v1/app/access-records".into(), None),
        (Method::GET, "/v1/app/notifications".into(), None),
        (
            Method::POST,
            "/v1/app/devices".into(),
            Some(json!({ "fcm_token": "tok", "platform": "ios" })),
        ),
        (Method::DELETE, "/v1/app/devices/some-id".into(), None),
        (Method::GET, "/v1/app/approvals".into(), None),
        (
            Method::POST,
            "/v1/app/approvals/some-id/approve".into(),
            None,
        ),
        (Method::POST, "/v1/app/approvals/some-id/deny".into(), None),
        (
            Method::POST,
            "/v1/app/withdrawal".into(),
            Some(json!({ "confirm": true })),
        ),
        (Method::GET, "/v1/app/providers?q=clinic".into(), None),
    ]
}

fn approval_for(app: &TestApp, ehr: &str) -> String {
    let mut conn = app.conn();
    let patient = patients::find_by_ehr_number(&mut conn, ehr)
        .unwrap()
        .unwrap();
    let account_id: ehealth_core::ids::AccountId = accounts::table
        .filter(accounts::provider_id.eq(clinic()))
        .select(accounts::id)
        .first(&mut conn)
        .unwrap();
    let now = Utc::now();
    let approval = Approval {
        id: new_id(),
        patient_id: patient.id,
        provider_id: clinic(),
        account_id,
        data_types: "clinical_note".into(),
        reason: "community care".into(),
        status: ehealth_core::domain::ApprovalStatus::Pending,
        created_at: to_db(now),
        expires_at: to_db(now + Duration::hours(1)),
        decided_at: None,
        decided_by_kind: None,
        decided_by_id: None,
    };
    approvals::insert(&mut conn, &approval).unwrap();
    approval.id
}

both_backends! {
    async fn every_protected_route_refuses_a_caller_without_a_live_session(app: TestApp) {
        let app = app.with_demo();
        for (method, path, body) in protected_routes(&clinic()) {
            for token in [None, Some("not-a-token")] {
                let r = send(&app, method.clone(), &path, token, body.as_ref()).await;
                assert_eq!(r.status(), 401, "{method} {path}");
                assert_eq!(json(r).await["error"]["code"], "unauthenticated", "{method} {path}");
            }
        }
        // A provider account's session is not an app session.
        let (_, token) = sessions::start(&mut app.conn(), ehealth_core::domain::SessionSubject::Account, "some-account", Duration::minutes(5), Utc::now()).unwrap();
        for (method, path, body) in protected_routes(&clinic()) {
            if path.ends_with("sessions/current") {
                continue;
            }
            let r = send(&app, method.clone(), &path, Some(&token), body.as_ref()).await;
            assert_eq!(r.status(), 403, "{method} {path}");
        }
    }

    async fn another_patients_token_and_ids_reach_nothing_of_theirs(app: TestApp) {
        let app = app.with_demo();
        let (ehr_a, token_a, _) = patient(&app, HKIC_B, "+85265550001").await;
        let (ehr_b, token_b, _) = patient(&app, HKIC_C, "+85265550002").await;
        let consent = format!("/v1/app/consents/{}", clinic());
        let r = send(&app, Method::PUT, &consent, Some(&token_a), Some(&json!({ "type": "indefinite" }))).await;
        assert_eq!(r.status(), 200);
        let r = send(&app, Method::POST, "/v1/app/devices", Some(&token_a), Some(&json!({ "fcm_token": "phone-of-a", "platform": "android" }))).await;
        let device_a = json(r).await["id"].as_str().unwrap().to_owned();
        let approval_a = approval_for(&app, &ehr_a);

        // B naming A in X-Acting-For still acts only as B.
        let r = app.client.get(format!("{}/v1/app/me", app.api)).bearer_auth(&token_b).header("X-Acting-For", &ehr_a).send().await.unwrap();
        assert_eq!(json(r).await["ehr_number"], ehr_b);
        // B cannot revoke A's consent, decide A's approval or remove A's device.
        let r = send(&app, Method::DELETE, &consent, Some(&token_b), None).await;
        assert_eq!(r.status(), 409, "B has no consent of their own to revoke");
        for verb in ["approve", "deny"] {
            let r = send(&app, Method::POST, &format!("/v1/app/approvals/{approval_a}/{verb}"), Some(&token_b), None).await;
            assert_eq!(r.status(), 404);
        }
        let r = send(&app, Method::DELETE, &format!("/v1/app/devices/{device_a}"), Some(&token_b), None).await;
        assert_eq!(r.status(), 404);
        // B's lists show nothing of A's.
        let r = send(&app, Method::GET, "/v1/app/approvals", Some(&token_b), None).await;
        assert!(json(r).await["approvals"].as_array().unwrap().is_empty());
        let r = send(&app, Method::GET, "/v1/app/consents", Some(&token_b), None).await;
        assert!(!json(r).await["consents"].as_array().unwrap().iter().any(|c| c["hcp_id"] == clinic()));
        let r = send(&app, Method::GET, "/v1/app/notifications", Some(&token_b), None).await;
        let inbox = json(r).await;
        assert!(!inbox.to_string().contains(&ehr_a));
        // A's things are untouched: consent in force, approval pending, device still there.
        let r = send(&app, Method::GET, "/v1/app/consents", Some(&token_a), None).await;
        assert!(json(r).await["consents"].as_array().unwrap().iter().any(|c| c["hcp_id"] == clinic() && c["in_force"] == true));
        let r = send(&app, Method::POST, &format!("/v1/app/approvals/{approval_a}/approve"), Some(&token_a), None).await;
        assert_eq!(r.status(), 200);
        assert_eq!(json(r).await["status"], "approved");
        let r = send(&app, Method::DELETE, &format!("/v1/app/devices/{device_a}"), Some(&token_a), None).await;
        assert_eq!(r.status(), 204);
    }
}
