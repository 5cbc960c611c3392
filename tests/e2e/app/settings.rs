//! Preferences (a new mobile is used only once verified), devices, the inbox, approvals,
//! the provider directory and withdrawal.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use chrono::Utc;
use ehealth_core::db::{access_keys, patients};
use reqwest::Method;
use serde_json::json;

use super::helpers::*;
use crate::support::json;

both_backends! {
    async fn a_new_mobile_is_used_only_after_its_code_comes_back(app: TestApp) {
        let app = app.with_demo();
        let (_, token, _) = patient(&app, HKIC_B, "+85267770001").await;
        let change = json!({ "language": "en", "notification_means": ["sms"], "mobile": "+852 6777 0002" });
        let r = send(&app, Method::PATCH, "/v1/app/me/preferences", Some(&token), Some(&change)).await;
        assert_eq!(r.status(), 200);
        let me = json(r).await;
        assert_eq!(me["language"], "en");
        assert_eq!(me["notification_means"], json!(["sms"]));
        assert_eq!(me["mobile"], "+85267770001", "not before verification");
        assert_eq!(me["pending_verification"], json!(["mobile"]));
        let code = last_code(&app, "+85267770002");
        let r = post(&app, "/v1/app/me/contact-verification", &json!({ "contact": "mobile", "code": wrong(&code) }), Some(&token)).await;
        assert_eq!(r.status(), 401);
        let r = post(&app, "/v1/app/me/contact-verification", &json!({ "contact": "mobile", "code": code }), Some(&token)).await;
        assert_eq!(r.status(), 200);
        assert_eq!(json(r).await["mobile"], "+85267770002");
        // Post needs an address on file.
        let r = send(&app, Method::PATCH, "/v1/app/me/preferences", Some(&token), Some(&json!({ "notification_means": ["post"] }))).await;
        assert_eq!(r.status(), 400);
        assert_eq!(json(r).await["error"]["field"], "notification_means");
    }

    async fn devices_inbox_directory_and_withdrawal(app: TestApp) {
        let app = app.with_demo();
        let (ehr, token, _) = patient(&app, HKIC_B, "+85267770003").await;
        let r = post(&app, "/v1/app/devices", &json!({ "fcm_token": "fcm-token-1", "platform": "android" }), Some(&token)).await;
        assert_eq!(r.status(), 201);
        // The directory finds providers by name (any case) or id.
        let r = send(&app, Method::GET, "/v1/app/providers?q=harbour", Some(&token), None).await;
        let found = json(r).await;
        assert_eq!(found["providers"][0]["hcp_id"], clinic());
        let r = send(&app, Method::GET, &format!("/v1/app/providers?q={}", dental()), Some(&token), None).await;
        assert_eq!(json(r).await["providers"][0]["name_en"], "Kowloon Dental Company");
        let r = send(&app, Method::GET, "/v1/app/providers?q=%25", Some(&token), None).await;
        assert!(json(r).await["providers"].as_array().unwrap().is_empty(), "% is a letter, not a wildcard");
        let r = send(&app, Method::PUT, &format!("/v1/app/consents/{}", clinic()), Some(&token), Some(&json!({ "type": "one_year" }))).await;
        assert_eq!(r.status(), 200);
        // HA's deemed consent cannot be revoked in the app.
        let r = send(&app, Method::DELETE, &format!("/v1/app/consents/{}", hospital_authority()), Some(&token), None).await;
        assert_eq!(r.status(), 403);
        // The inbox tells of registration and the consent, without the access key.
        let r = send(&app, Method::GET, "/v1/app/notifications", Some(&token), None).await;
        let inbox = json(r).await;
        let kinds: Vec<_> = inbox["notifications"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_owned()).collect();
        assert_eq!(kinds[0], "consent_given");
        assert!(kinds.contains(&"registration_completed".to_owned()));
        assert!(!inbox.to_string().contains("\"access_key\":\""));
        // Withdrawal ends every consent (deemed too), the key and the session.
        let r = post(&app, "/v1/app/withdrawal", &json!({ "confirm": false }), Some(&token)).await;
        assert_eq!(r.status(), 400);
        let r = post(&app, "/v1/app/withdrawal", &json!({ "confirm": true }), Some(&token)).await;
        assert_eq!(r.status(), 200);
        assert_eq!(json(r).await["consents_ended"], 3);
        let r = send(&app, Method::GET, "/v1/app/me", Some(&token), None).await;
        assert_eq!(r.status(), 401);
        let mut conn = app.conn();
        let p = patients::find_by_ehr_number(&mut conn, &ehr).unwrap().unwrap();
        assert_eq!(p.status.as_str(), "withdrawn");
        assert!(access_keys::current(&mut conn, &p.id).unwrap().is_none());
        assert!(ehealth_core::db::consents::active_for_patient(&mut conn, &p.id).unwrap().is_empty());
        let _ = Utc::now();
        // A withdrawn patient can no longer sign in.
        let r = post(&app, "/v1/app/sessions/otp", &json!({ "ehr_number": ehr, "date_of_birth": "1990-02-28" }), None).await;
        let challenge = json(r).await["challenge_id"].as_str().unwrap().to_owned();
        let r = post(&app, "/v1/app/sessions/otp/verify", &json!({ "challenge_id": challenge, "code": "000000" }), None).await;
        assert_eq!(r.status(), 401);
    }
}
