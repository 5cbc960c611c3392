//! Repeat accesses by one provider within the fold window become one message listing
//! every access time; another provider's access stays a message of its own.

use std::time::Duration;

use chrono::Utc;
use ehealth_core::actions::notify::{notify_patient, PatientEvent};
use ehealth_core::db::{jobs, write_tx};
use ehealth_core::domain::NotificationKind;
use serde_json::json;

use super::harness::{self, SMS};
use super::sms::{configure, twilio, TwilioStandIn};
use crate::support::TestApp;

fn access(app: &TestApp, patient: &ehealth_core::db::patients::Patient, n: u32, provider: &str) {
    let event = PatientEvent {
        kind: NotificationKind::RecordAccessed,
        event_id: format!("audit-{n}"),
        facts: json!({"provider_id": provider, "provider_name_en": format!("Clinic {provider}")}),
    };
    write_tx(&mut app.conn(), |c| {
        notify_patient(c, patient, &event, Utc::now())
    })
    .expect("enqueued");
}

async fn folds_repeat_accesses(backend: ehealth_core::db::Backend) {
    let server = twilio(TwilioStandIn::new(0).0).await;
    let base = server.uri();
    let Some(app) = TestApp::start_with(backend, |c| {
        configure(c, &base);
        c.notifier.fold_window_secs = 2;
    })
    .await
    else {
        return;
    };
    let patient = harness::patient(&mut app.conn(), "en", SMS);
    let _worker = harness::start_worker(&app);
    for n in 0..3 {
        access(&app, &patient, n, "P1");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    access(&app, &patient, 9, "P2");
    let mut conn = app.conn();
    harness::wait_for(Duration::from_secs(15), "the accesses to be told", || {
        harness::all_jobs(&mut conn, &patient)
            .iter()
            .all(|j| j.status == jobs::DONE)
    })
    .await;
    let requests = server.received_requests().await.expect("recorded");
    let bodies: Vec<String> = requests
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_eq!(bodies.len(), 2, "one message per provider: {bodies:?}");
    let p1 = bodies
        .iter()
        .find(|b| b.contains("Clinic+P1"))
        .expect("P1's message");
    assert!(p1.contains("accessed+3+times"), "{p1}");
    let jobs = harness::all_jobs(&mut conn, &patient);
    let folded = jobs
        .iter()
        .filter(|j| {
            j.provider_ref
                .as_deref()
                .is_some_and(|r| r.starts_with("folded:"))
        })
        .count();
    assert_eq!(folded, 2, "two P1 accesses folded into the first");
    let lead = jobs
        .iter()
        .find(|j| {
            j.payload.contains("P1")
                && j.provider_ref
                    .as_deref()
                    .is_some_and(|r| r.starts_with("SM"))
        })
        .expect("lead");
    let payload: serde_json::Value = serde_json::from_str(&lead.payload).expect("json");
    assert_eq!(
        payload["facts"]["access_times"].as_array().map(Vec::len),
        Some(3),
        "every access time is kept with the message"
    );
    let inbox = ehealth_core::db::inbox::count_for_patient(&mut conn, &patient.id).expect("inbox");
    assert_eq!(inbox, 4, "the app's list still shows each access");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_repeat_accesses_by_one_provider_fold_into_one_message() {
    folds_repeat_accesses(ehealth_core::db::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_repeat_accesses_by_one_provider_fold_into_one_message() {
    folds_repeat_accesses(ehealth_core::db::Backend::Postgres).await;
}
