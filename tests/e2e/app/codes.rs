//! Guessing defences on one-time codes, and one identity document, one participant.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use diesel::prelude::*;
use ehealth_core::db::schema::audit_log as log;
use serde_json::json;

use super::helpers::*;
use crate::support::{json, TestApp};

fn code_attempts(app: &TestApp, outcome: &str) -> i64 {
    log::table
        .filter(log::event.eq("code_attempt"))
        .filter(log::outcome.eq(outcome))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

both_backends! {
    async fn concurrent_wrong_codes_get_no_more_than_five_tries(app: TestApp) {
        const TRIES: usize = 12;
        let mobile = "+85262345670";
        let r = post(&app, "/v1/app/applications", &application_body(HKIC_C, mobile), None).await;
        let id = json(r).await["id"].as_str().unwrap().to_owned();
        let code = last_code(&app, mobile);
        let path = format!("/v1/app/applications/{id}/verify-mobile");
        let body = json!({ "code": wrong(&code) });
        let answers = futures::future::join_all((0..TRIES).map(|_| post(&app, &path, &body, None))).await;
        let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
        let wrong_tries = statuses.iter().filter(|s| **s == 401).count();
        let locked = statuses.iter().filter(|s| **s == 423).count();
        // However the requests interleave, the code takes five tries: four wrong, the
        // fifth locks it, the rest find it locked.
        assert_eq!((wrong_tries, locked), (4, TRIES - 4), "{statuses:?}");
        assert_eq!(code_attempts(&app, "failed"), 4);
    }

    async fn five_wrong_codes_lock_the_code_even_against_the_right_one(app: TestApp) {
        let mobile = "+85262345678";
        let r = post(&app, "/v1/app/applications", &application_body(HKIC_C, mobile), None).await;
        let id = json(r).await["id"].as_str().unwrap().to_owned();
        let code = last_code(&app, mobile);
        let path = format!("/v1/app/applications/{id}/verify-mobile");
        for left in (1..=4).rev() {
            let r = post(&app, &path, &json!({ "code": wrong(&code) }), None).await;
            assert_eq!(r.status(), 401);
            let body = json(r).await;
            assert_eq!(body["error"]["code"], "invalid_code");
            assert!(body["error"]["message"].as_str().unwrap().contains(&format!("{left} tries left")));
        }
        let r = post(&app, &path, &json!({ "code": wrong(&code) }), None).await;
        assert_eq!(r.status(), 423);
        assert_eq!(json(r).await["error"]["code"], "code_locked");
        let r = post(&app, &path, &json!({ "code": code }), None).await;
        assert_eq!(r.status(), 423, "a locked code stays refused");
        assert_eq!(code_attempts(&app, "failed"), 4);
        assert_eq!(code_attempts(&app, "locked"), 2);
        let r = app.get(&format!("{}/v1/app/applications/{id}", app.api)).await;
        assert_eq!(json(r).await["status"], "pending_mobile_verification");
    }

    async fn resending_is_throttled_and_replaces_the_old_code(app: TestApp) {
        let mobile = "+85263456789";
        let r = post(&app, "/v1/app/applications", &application_body(HKIC_C, mobile), None).await;
        let id = json(r).await["id"].as_str().unwrap().to_owned();
        let r = post(&app, &format!("/v1/app/applications/{id}/resend-code"), &json!({}), None).await;
        assert_eq!(r.status(), 429);
        let retry: u64 = r.headers()["Retry-After"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry));
        assert_eq!(json(r).await["error"]["code"], "rate_limited");
    }

    async fn an_unknown_sign_in_looks_the_same_and_never_signs_in(app: TestApp) {
        let app = app.with_demo();
        let r = post(&app, "/v1/app/sessions/otp", &json!({ "ehr_number": "1234 5678 9012", "date_of_birth": "1990-01-01" }), None).await;
        let status = r.status();
        let body = json(r).await;
        // Either the number is not a valid eHR number (400), or it gets a challenge (202).
        if status == 202 {
            let r = post(&app, "/v1/app/sessions/otp/verify", &json!({ "challenge_id": body["challenge_id"], "code": "123456" }), None).await;
            assert_eq!(r.status(), 401);
        } else {
            assert_eq!(status, 400);
        }
        let r = post(&app, "/v1/app/sessions/otp/verify", &json!({ "challenge_id": "no-such-challenge", "code": "123456" }), None).await;
        assert_eq!(r.status(), 401);
        assert_eq!(json(r).await["error"]["code"], "code_expired");
    }

    async fn a_sign_in_code_works_once_and_wrong_tries_are_counted(app: TestApp) {
        let app = app.with_demo();
        let mobile = "+85264567890";
        let id = apply_and_verify(&app, HKIC_D, mobile).await;
        let (ehr, _) = complete(&app, &id);
        let r = post(&app, "/v1/app/sessions/otp", &json!({ "ehr_number": ehr, "date_of_birth": "1990-02-28" }), None).await;
        let challenge = json(r).await["challenge_id"].as_str().unwrap().to_owned();
        let code = last_code(&app, mobile);
        let r = post(&app, "/v1/app/sessions/otp/verify", &json!({ "challenge_id": challenge, "code": wrong(&code) }), None).await;
        assert_eq!(r.status(), 401);
        let r = post(&app, "/v1/app/sessions/otp/verify", &json!({ "challenge_id": challenge, "code": code }), None).await;
        assert_eq!(r.status(), 201);
        let r = post(&app, "/v1/app/sessions/otp/verify", &json!({ "challenge_id": challenge, "code": code }), None).await;
        assert_eq!(r.status(), 401, "a code is used once");
        // A wrong date of birth sends nothing.
        let r = post(&app, "/v1/app/sessions/otp", &json!({ "ehr_number": ehr, "date_of_birth": "1990-03-01" }), None).await;
        assert_eq!(r.status(), 202);
    }

    async fn a_sign_in_code_locked_by_wrong_tries_is_told_to_the_patient(app: TestApp) {
        use ehealth_core::db::schema::notification_jobs as nj;
        let app = app.with_demo();
        let mobile = "+85264567891";
        let id = apply_and_verify(&app, HKIC_D, mobile).await;
        let (ehr, _) = complete(&app, &id);
        let locked_jobs = |app: &TestApp| -> Vec<String> {
            let mut channels: Vec<String> = nj::table
                .filter(nj::job_type.eq("code_locked"))
                .select(nj::channel)
                .load(&mut app.conn())
                .unwrap();
            channels.sort();
            channels
        };
        let r = post(&app, "/v1/app/sessions/otp", &json!({ "ehr_number": ehr, "date_of_birth": "1990-02-28" }), None).await;
        let challenge = json(r).await["challenge_id"].as_str().unwrap().to_owned();
        let code = last_code(&app, mobile);
        let body = json!({ "challenge_id": challenge, "code": wrong(&code) });
        for _ in 0..4 {
            let r = post(&app, "/v1/app/sessions/otp/verify", &body, None).await;
            assert_eq!(r.status(), 401);
        }
        assert!(locked_jobs(&app).is_empty(), "wrong tries alone tell no one");
        let r = post(&app, "/v1/app/sessions/otp/verify", &body, None).await;
        assert_eq!(r.status(), 423);
        // The patient chose SMS and email: told once on each, however often it is tried.
        assert_eq!(locked_jobs(&app), vec!["email".to_owned(), "sms".to_owned()]);
        let r = post(&app, "/v1/app/sessions/otp/verify", &body, None).await;
        assert_eq!(r.status(), 423);
        assert_eq!(locked_jobs(&app).len(), 2);
    }

    async fn one_identity_document_one_participant(app: TestApp) {
        let app = app.with_demo();
        // A registered document is answered as a new application (issue 11; see oracles.rs).
        let r = post(&app, "/v1/app/applications", &application_body("A123456(3)", "+85291111111"), None).await;
        assert_eq!(r.status(), 201);
        let r = post(&app, "/v1/app/applications", &application_body(HKIC_B, "+85291111112"), None).await;
        assert_eq!(r.status(), 201);
        let r = post(&app, "/v1/app/applications", &application_body("b 123456 (6)", "+85291111113"), None).await;
        assert_eq!(r.status(), 409);
        assert_eq!(json(r).await["error"]["code"], "application_exists");
    }
}
