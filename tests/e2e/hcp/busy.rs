//! The counter when the Argon2 pool is full (issue 15): a burst of access keys on a pool
//! of one thread and one queued try gets some 503 `busy` answers (with `Retry-After`),
//! never a 500, and a refused try writes nothing; every admitted wrong key is counted
//! exactly once.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use diesel::prelude::*;
use ehealth_core::db::schema::audit_log;
use ehealth_core::db::{access_keys, patients, Backend};
use ehealth_core::secret::Argon2Cost;

use super::helpers::*;
use crate::support::TestApp;

const BURST: usize = 24;

async fn start(backend: Backend) -> Option<TestApp> {
    TestApp::start_with(backend, |c| {
        c.security.argon2_threads = 1;
        c.security.argon2_queue = 1;
        // Dearer than the tests' usual cost, so that the burst overlaps.
        c.security.argon2 = Argon2Cost {
            memory_kib: 4096,
            iterations: 3,
            parallelism: 1,
        };
        // Let every admitted try reach the key: only the pool refuses here.
        c.security.access_key_max_failures = 1000;
        c.security.account_max_failures = 1000;
        c.security.provider_max_failures = 1000;
    })
    .await
}

fn attempts(app: &TestApp, actor_id: &str) -> i64 {
    audit_log::table
        .filter(audit_log::event.eq("access_key_attempt"))
        .filter(audit_log::actor_id.eq(actor_id))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

fn failures_on_key(app: &TestApp, ehr: &str) -> i32 {
    let patient = patients::find_by_ehr_number(&mut app.conn(), ehr)
        .unwrap()
        .unwrap();
    access_keys::current(&mut app.conn(), &patient.id)
        .unwrap()
        .unwrap()
        .failed_attempts
}

async fn a_burst_of_wrong_keys_gets_busy_answers_and_no_half_writes(app: TestApp) {
    demo(&app);
    let admin = clinic_admin(&app).await;
    let (nurse_id, nurse, _) = professional(&app, &admin, "nurse.burst", "nurse").await;
    let (ehr, key) = registered_patient(&app, &nurse, "D111111(7)").await;
    let bad = wrong_key(&key);
    let tries = (0..BURST).map(|_| {
        let (app, nurse, ehr, bad) = (&app, nurse.clone(), ehr.clone(), bad.clone());
        async move {
            let r = app
                .client
                .post(format!("{}/v1/hcp/consents/access-key", app.api))
                .bearer_auth(&nurse)
                .json(&serde_json::json!({"ehr_number": ehr, "access_key": bad, "action": "give", "type": "one_year"}))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let retry = r.headers().get("Retry-After").is_some();
            let body: serde_json::Value = r.json().await.unwrap();
            (status, body["error"]["code"].as_str().unwrap_or("").to_owned(), retry)
        }
    });
    let answers = futures::future::join_all(tries).await;
    let busy = answers
        .iter()
        .filter(|(s, c, retry)| *s == 503 && c == "busy" && *retry)
        .count();
    let wrong = answers
        .iter()
        .filter(|(s, c, _)| *s == 403 && c == "wrong_access_key")
        .count();
    assert_eq!(busy + wrong, BURST, "only busy or wrong: {answers:?}");
    assert!(
        busy > 0,
        "a pool of 1 + 1 refuses some of {BURST}: {answers:?}"
    );
    assert!(wrong >= 1, "the admitted tries are answered: {answers:?}");
    // A refusal wrote nothing; every admitted wrong key counted exactly once.
    assert_eq!(attempts(&app, &nurse_id), wrong as i64);
    assert_eq!(failures_on_key(&app, &ehr), i32::try_from(wrong).unwrap());

    // Held full, the pool refuses a right key as it does a wrong one: the answer says
    // nothing of the particulars, and nothing is written.
    let held: Vec<_> = std::iter::from_fn(|| app.services.hasher.reserve().ok()).collect();
    assert_eq!(held.len(), 2);
    let (right, right_body) = key_consent(&app, &nurse, &ehr, &key, "give").await;
    let (wrong_one, wrong_body) = key_consent(&app, &nurse, &ehr, &bad, "give").await;
    assert_eq!((right, wrong_one), (503, 503));
    assert_eq!(right_body, wrong_body);
    assert_eq!(right_body["error"]["code"], "busy");
    assert_eq!(attempts(&app, &nurse_id), wrong as i64);
    drop(held);
    let (status, body) = key_consent(&app, &nurse, &ehr, &key, "give").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        failures_on_key(&app, &ehr),
        0,
        "a right key resets the count"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    a_burst_of_wrong_keys_gets_busy_answers_and_no_half_writes(
        start(Backend::Sqlite).await.expect("sqlite"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    if let Some(app) = start(Backend::Postgres).await {
        a_burst_of_wrong_keys_gets_busy_answers_and_no_half_writes(app).await;
    }
}
