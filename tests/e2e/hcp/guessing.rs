//! Guessing defences on the access key at the counter: the key locks after five wrong
//! tries (the patient is told) and a right key is then refused too, until the patient
//! makes a new key; one account cannot try more than its configured rate; every try is
//! audited.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use diesel::prelude::*;
use ehealth_core::db::schema::{audit_log, notification_jobs};

use super::helpers::*;
use crate::support::TestApp;

fn attempts_audited(app: &TestApp, actor_id: &str) -> Vec<(String, Option<String>)> {
    audit_log::table
        .filter(audit_log::event.eq("access_key_attempt"))
        .filter(audit_log::actor_id.eq(actor_id))
        .order(audit_log::seq)
        .select((audit_log::outcome, audit_log::reason))
        .load(&mut app.conn())
        .expect("audit")
}

both_backends! {
    async fn five_wrong_keys_lock_the_patient_and_the_sixth_right_key_is_refused(app: TestApp) {
        demo(&app);
        let admin = clinic_admin(&app).await;
        let (nurse_id, nurse, _) = professional(&app, &admin, "nurse.key", "nurse").await;
        let (ehr, key) = registered_patient(&app, &nurse, "D111111(7)").await;
        let bad = wrong_key(&key);
        for remaining in (1..=4).rev() {
            let (status, body) = key_consent(&app, &nurse, &ehr, &bad, "give").await;
            assert_eq!(status, 403, "{body}");
            assert_eq!(body["error"]["code"], "wrong_access_key");
            assert!(body["error"]["message"].as_str().unwrap().contains(&format!("{remaining} tries left")));
        }
        let (status, body) = key_consent(&app, &nurse, &ehr, &bad, "give").await;
        assert_eq!((status, body["error"]["code"].as_str()), (423, Some("access_key_locked")));
        let (status, body) = key_consent(&app, &nurse, &ehr, &key, "give").await;
        assert_eq!((status, body["error"]["code"].as_str()), (423, Some("access_key_locked")), "right key after lockout");

        let outcomes: Vec<String> = attempts_audited(&app, &nurse_id).into_iter().map(|(o, _)| o).collect();
        assert_eq!(outcomes, ["failed", "failed", "failed", "failed", "locked", "locked"]);
        let told: i64 = notification_jobs::table
            .filter(notification_jobs::job_type.eq("access_key_locked"))
            .count()
            .get_result(&mut app.conn())
            .unwrap();
        assert_eq!(told, 2, "the patient is told by sms and email");

        // A new key from the patient unlocks; the old one stays dead.
        let new_key = {
            use ehealth_core::actions::access_key;
            use ehealth_core::db::{patients, write_tx};
            use ehealth_core::domain::{Actor, ActorKind};
            let mut conn = app.conn();
            let patient = patients::find_by_ehr_number(&mut conn, &ehr).unwrap().unwrap();
            let actor = Actor::new(ActorKind::Patient, patient.id.clone());
            write_tx(&mut conn, |c| access_key::issue(c, &app.services.hasher, &patient, ehealth_core::domain::AccessKeyChannel::App, &actor, chrono::Utc::now())).unwrap()
        };
        let (status, _) = key_consent(&app, &nurse, &ehr, &key, "give").await;
        assert_eq!(status, 403);
        let (status, body) = key_consent(&app, &nurse, &ehr, new_key.expose(), "give").await;
        assert_eq!(status, 200, "{body}");
    }

    async fn bad_counter_input_gets_a_clear_4xx_naming_the_field(app: TestApp) {
        demo(&app);
        let admin = clinic_admin(&app).await;
        let (_, nurse, _) = professional(&app, &admin, "nurse.input", "nurse").await;
        let cases = [
            (serde_json::json!({"ehr_number": "1234", "access_key": "12345678", "action": "give", "type": "one_year"}), "ehr_number"),
            (serde_json::json!({"ehr_number": "123456789015", "access_key": "12ab", "action": "give", "type": "one_year"}), "access_key"),
            (serde_json::json!({"access_key": "12345678", "action": "give", "type": "one_year"}), "ehr_number"),
        ];
        for (body, field) in cases {
            let (status, err) = post(&app, "/v1/hcp/consents/access-key", Some(&nurse), body).await;
            assert_eq!(status, 400, "{err}");
            assert_eq!(err["error"]["field"], field, "{err}");
        }
        let (status, err) = post(&app, "/v1/hcp/record-views", Some(&nurse),
            serde_json::json!({"ehr_number": "123456789015", "data_types": ["genome"]})).await;
        assert_eq!(status, 400);
        assert_eq!(err["error"]["code"], "invalid_input");
        assert_eq!(err["error"]["field"], "data_types", "named as in the request: {err}");
        assert!(err["error"]["message"].as_str().unwrap().contains("\"genome\""), "{err}");
        let (status, err) = post(&app, "/v1/hcp/records", Some(&nurse),
            serde_json::json!({"ehr_number": "123456789015", "data_type": "allergies_adrs", "document": [1, 2]})).await;
        assert_eq!((status, err["error"]["field"].as_str()), (400, Some("document")));
    }
}

async fn one_account_cannot_try_more_than_its_rate(app: TestApp) {
    demo(&app);
    let admin = clinic_admin(&app).await;
    let (guesser_id, guesser, _) = professional(&app, &admin, "nurse.guess", "nurse").await;
    let (_, colleague, _) = professional(&app, &admin, "nurse.other", "nurse").await;
    let (ehr_a, key_a) = registered_patient(&app, &guesser, "E222222(5)").await;
    let (ehr_b, key_b) = registered_patient(&app, &guesser, "F333333(3)").await;
    // Three wrong tries, spread over two patients so no key locks.
    for (ehr, key) in [(&ehr_a, &key_a), (&ehr_b, &key_b), (&ehr_a, &key_a)] {
        let (status, _) = key_consent(&app, &guesser, ehr, &wrong_key(key), "give").await;
        assert_eq!(status, 403);
    }
    let r = app
        .client
        .post(format!("{}/v1/hcp/consents/access-key", app.api))
        .bearer_auth(&guesser)
        .json(&serde_json::json!({"ehr_number": ehr_b, "access_key": key_b, "action": "give", "type": "one_year"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        429,
        "the account is throttled even with a right key"
    );
    assert!(r.headers().get("Retry-After").is_some());
    let audited = attempts_audited(&app, &guesser_id);
    assert_eq!(
        audited.last().unwrap(),
        &("locked".to_owned(), Some("staff_throttled".to_owned()))
    );
    // Another account at the provider is not held up by the guesser.
    let (status, body) = key_consent(&app, &colleague, &ehr_b, &key_b, "give").await;
    assert_eq!(status, 200, "{body}");
}

async fn sign_in_is_throttled_per_login_even_for_the_right_code(app: TestApp) {
    use ehealth_core::actions::demo::{DEMO_PASSWORD, DEMO_TOTP_SECRET};
    demo(&app);
    for _ in 0..3 {
        let (status, body) = sign_in_raw(
            &app,
            Some(&clinic()),
            "drchan",
            "not the password",
            &code(DEMO_TOTP_SECRET, 0),
        )
        .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some("wrong_credentials"))
        );
    }
    let (status, body) = sign_in_raw(
        &app,
        Some(&clinic()),
        "drchan",
        DEMO_PASSWORD,
        &code(DEMO_TOTP_SECRET, 0),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("rate_limited")),
        "{body}"
    );
    // Another login at the same provider is not held up.
    let (status, body) = sign_in_raw(
        &app,
        Some(&clinic()),
        "admin",
        DEMO_PASSWORD,
        &code(DEMO_TOTP_SECRET, 0),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let tries: i64 = {
        use diesel::prelude::*;
        audit_log::table
            .filter(audit_log::event.eq("sign_in"))
            .filter(audit_log::outcome.ne("succeeded"))
            .count()
            .get_result(&mut app.conn())
            .unwrap()
    };
    assert_eq!(tries, 4, "every try is audited");
}

mod account_rate {
    use ehealth_core::db::Backend;

    use crate::support::TestApp;

    async fn start(backend: Backend) -> Option<TestApp> {
        TestApp::start_with(backend, |c| c.security.account_max_failures = 3).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::one_account_cannot_try_more_than_its_rate(
            start(Backend::Sqlite).await.expect("sqlite"),
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = start(Backend::Postgres).await {
            super::one_account_cannot_try_more_than_its_rate(app).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sign_in_sqlite() {
        super::sign_in_is_throttled_per_login_even_for_the_right_code(
            start(Backend::Sqlite).await.expect("sqlite"),
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sign_in_postgres() {
        if let Some(app) = start(Backend::Postgres).await {
            super::sign_in_is_throttled_per_login_even_for_the_right_code(app).await;
        }
    }
}
