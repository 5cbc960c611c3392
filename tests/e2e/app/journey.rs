//! The whole journey of a patient in the app, over HTTP, on both databases.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use chrono::Utc;
use ehealth_core::actions::access_key::{self, KeyCheck};
use ehealth_core::db::audit::{self, NewAuditEntry};
use ehealth_core::db::{patients, write_tx};
use ehealth_core::domain::{Actor, ActorKind, AuditAction, AuditOutcome, DataType, Profession};
use ehealth_core::ids::AccessKey;
use reqwest::Method;
use serde_json::json;

use super::helpers::*;
use super::passkey;
use crate::support::{json, TestApp};

fn check_key(app: &TestApp, ehr: &str, key: &str) -> KeyCheck {
    let mut conn = app.conn();
    let patient = patients::find_by_ehr_number(&mut conn, ehr)
        .unwrap()
        .unwrap();
    let policy = app.services.config.security.access_key_policy();
    let actor = Actor::new(ActorKind::Hcprof, "counter-test");
    write_tx(&mut conn, |c| {
        access_key::check(
            c,
            &app.services.hasher,
            &policy,
            &patient,
            &AccessKey::parse(key)?,
            &actor,
            Utc::now(),
        )
    })
    .unwrap()
}

/// Record views by the clinic's doctor, as #4's record-view route writes them.
fn record_views(app: &TestApp, ehr: &str, n: usize) {
    let mut conn = app.conn();
    let patient = patients::find_by_ehr_number(&mut conn, ehr)
        .unwrap()
        .unwrap();
    for i in 0..n {
        let mut entry = NewAuditEntry::new(
            AuditAction::RecordView,
            Actor::new(ActorKind::Hcprof, "dr-chan"),
            AuditOutcome::Granted,
        )
        .patient(&patient.id)
        .provider(clinic());
        entry.profession = Some(Profession::MedicalPractitioner);
        entry.data_types = vec![DataType::ALL[i % DataType::ALL.len()]];
        entry.purpose = Some(format!("care episode {i}"));
        write_tx(&mut conn, |c| Ok(audit::append(c, &entry, Utc::now())?)).unwrap();
    }
    // A refused attempt is not an access and must not be listed.
    let refused = NewAuditEntry::new(
        AuditAction::RecordView,
        Actor::new(ActorKind::Hcprof, "dr-x"),
        AuditOutcome::Refused,
    )
    .patient(&patient.id);
    write_tx(&mut conn, |c| Ok(audit::append(c, &refused, Utc::now())?)).unwrap();
}

async fn consents(app: &TestApp, token: &str) -> Vec<serde_json::Value> {
    let r = send(app, Method::GET, "/v1/app/consents", Some(token), None).await;
    assert_eq!(r.status(), 200);
    json(r).await["consents"].as_array().unwrap().clone()
}

both_backends! {
    async fn a_patient_joins_signs_in_manages_consent_and_sees_who_looked(app: TestApp) {
        let app = app.with_demo();
        let mobile = "+85261234567";
        // Apply; the application waits for the mobile code.
        let r = post(&app, "/v1/app/applications", &application_body(HKIC_B, "6123 4567"), None).await;
        assert_eq!(r.status(), 201);
        let body = json(r).await;
        assert_eq!(body["status"], "pending_mobile_verification");
        let id = body["id"].as_str().unwrap().to_owned();
        let code = last_code(&app, mobile);
        let r = post(&app, &format!("/v1/app/applications/{id}/verify-mobile"), &json!({ "code": wrong(&code) }), None).await;
        assert_eq!(r.status(), 401);
        assert_eq!(json(r).await["error"]["code"], "invalid_code");
        let r = post(&app, &format!("/v1/app/applications/{id}/verify-mobile"), &json!({ "code": code }), None).await;
        assert_eq!(r.status(), 200);
        assert_eq!(json(r).await["status"], "pending_identity_verification");
        // Identity verified at a counter (through core), then visible to the applicant.
        let (ehr, first_key) = complete(&app, &id);
        let r = app.get(&format!("{}/v1/app/applications/{id}", app.api)).await;
        assert_eq!(json(r).await["status"], "completed");
        // Sign in by SMS code.
        let token = sign_in(&app, &ehr, "1990-02-28", mobile).await;
        let r = send(&app, Method::GET, "/v1/app/me", Some(&token), None).await;
        let me = json(r).await;
        assert_eq!(me["ehr_number"], ehr);
        assert_eq!(me["language"], "zh-Hant");
        // Enrol a passkey, sign out, sign in with the passkey.
        let mut phone = passkey::enrol(&app, &token).await;
        let r = send(&app, Method::DELETE, "/v1/app/sessions/current", Some(&token), None).await;
        assert_eq!(r.status(), 204);
        assert_eq!(send(&app, Method::GET, "/v1/app/me", Some(&token), None).await.status(), 401);
        let token = passkey::sign_in(&app, &mut phone, &ehr).await;
        let r = send(&app, Method::GET, "/v1/app/me", Some(&token), None).await;
        assert_eq!(json(r).await["ehr_number"], ehr);
        // Deemed HA/DH consents are listed from the start.
        let list = consents(&app, &token).await;
        assert!(list.iter().any(|c| c["hcp_id"] == hospital_authority() && c["type"] == "deemed" && c["in_force"] == true));
        // One-year consent to the clinic, then change to indefinite, then revoke.
        let path = format!("/v1/app/consents/{}", clinic());
        let r = send(&app, Method::PUT, &path, Some(&token), Some(&json!({ "type": "one_year" }))).await;
        assert_eq!(r.status(), 200);
        let given = json(r).await;
        assert_eq!(given["type"], "one_year");
        assert!(given["expires_at"].is_string());
        assert_eq!(given["provider_name_en"], "Harbour View Medical Centre", "named as in the list");
        let r = send(&app, Method::PUT, &path, Some(&token), Some(&json!({ "type": "indefinite" }))).await;
        let changed = json(r).await;
        assert_eq!(changed["type"], "indefinite");
        assert!(changed["expires_at"].is_null());
        let list = consents(&app, &token).await;
        let clinic_rows: Vec<_> = list.iter().filter(|c| c["hcp_id"] == clinic()).collect();
        assert_eq!(clinic_rows.len(), 2, "history kept: {clinic_rows:?}");
        assert!(clinic_rows.iter().any(|c| c["status"] == "superseded" && c["superseded_by"] == changed["id"]));
        let r = send(&app, Method::DELETE, &path, Some(&token), None).await;
        assert_eq!(r.status(), 200);
        let revoked = json(r).await;
        assert_eq!(revoked["status"], "revoked");
        assert_eq!(revoked["provider_name_zh"], "海景醫務中心");
        let list = consents(&app, &token).await;
        assert!(!list.iter().any(|c| c["hcp_id"] == clinic() && c["in_force"] == true));
        assert_eq!(list.iter().filter(|c| c["hcp_id"] == clinic() && c["given_by"] == "patient").count(), 2);
        // A new access key: the old one is refused at once, the new one works.
        let r = send(&app, Method::POST, "/v1/app/access-key", Some(&token), None).await;
        assert_eq!(r.status(), 201);
        let body = json(r).await;
        let new_key = body["access_key"].as_str().unwrap().to_owned();
        assert!(body["qr_svg"].as_str().unwrap().contains("<svg"));
        assert_ne!(new_key, first_key);
        assert!(matches!(check_key(&app, &ehr, &first_key), KeyCheck::Wrong { .. }));
        assert_eq!(check_key(&app, &ehr, &new_key), KeyCheck::Accepted);
        // Who looked: newest first, two pages, refused attempts left out.
        record_views(&app, &ehr, 3);
        let r = send(&app, Method::GET, "/v1/app/access-records?limit=2", Some(&token), None).await;
        let page = json(r).await;
        let records = page["records"].as_array().unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0]["purpose"], "care episode 2");
        assert_eq!(records[0]["hcp_id"], clinic());
        assert_eq!(records[0]["provider_name_en"], "Harbour View Medical Centre");
        assert!(records[0]["seq"].as_i64() > records[1]["seq"].as_i64());
        let before = page["next_before"].as_i64().unwrap();
        let r = send(&app, Method::GET, &format!("/v1/app/access-records?limit=2&before={before}"), Some(&token), None).await;
        let page = json(r).await;
        assert_eq!(page["records"].as_array().unwrap().len(), 1);
        assert_eq!(page["records"][0]["purpose"], "care episode 0");
        assert!(page["next_before"].is_null());
        // Sign out: the token stops working.
        let r = send(&app, Method::DELETE, "/v1/app/sessions/current", Some(&token), None).await;
        assert_eq!(r.status(), 204);
        let r = send(&app, Method::GET, "/v1/app/me", Some(&token), None).await;
        assert_eq!(r.status(), 401);
        ehealth_core::testing::assert_log_verifies(&mut app.conn());
    }
}
