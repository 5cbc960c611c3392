//! The first access by a provider is told at once; later accesses by that provider within
//! the fold window after it become one message listing every access time; another
//! provider's access stays a message of its own.

use std::time::Duration;

use chrono::Utc;
use ehealth_core::actions::notify::{notify_patient, PatientEvent};
use ehealth_core::db::{jobs, write_tx};
use ehealth_core::domain::notice::{ProviderNames, RecordAccessedFacts};
use ehealth_core::domain::Notice;

use super::harness::{self, SMS};
use super::sms::{configure, twilio, TwilioStandIn};
use crate::support::TestApp;

fn access(app: &TestApp, patient: &ehealth_core::db::patients::Patient, n: u32, provider: &str) {
    let event = PatientEvent {
        event_id: format!("audit-{n}"),
        notice: Notice::RecordAccessed(RecordAccessedFacts {
            audit_seq: i64::from(n),
            provider: ProviderNames {
                provider_id: Some(provider.to_owned()),
                provider_name_en: Some(format!("Clinic {provider}")),
                provider_name_zh: None,
            },
            access_times: None,
        }),
    };
    write_tx(&mut app.conn(), |c| {
        notify_patient(c, patient, &event, Utc::now())
    })
    .expect("enqueued");
}

async fn folds_repeat_accesses(backend: ehealth_core::db::Backend) {
    const WINDOW: i64 = 4;
    let server = twilio(TwilioStandIn::new(0).0).await;
    let base = server.uri();
    let Some(app) = TestApp::start_with(backend, |c| {
        configure(c, &base);
        c.notifier.fold_window_secs = WINDOW as u64;
    })
    .await
    else {
        return;
    };
    let patient = harness::patient(&mut app.conn(), "en", SMS);
    let _worker = harness::start_worker(&app);
    let mut conn = app.conn();
    let all_done = |conn: &mut ehealth_core::db::DbConn| {
        harness::all_jobs(conn, &patient)
            .iter()
            .all(|j| j.status == jobs::DONE)
    };
    // The first access is told at once, not held for the window.
    access(&app, &patient, 0, "P1");
    harness::wait_for(
        Duration::from_secs(15),
        "the first access to be told",
        || all_done(&mut conn),
    )
    .await;
    let first = harness::all_jobs(&mut conn, &patient).remove(0);
    let first_told = first.finished_at.expect("finished");
    assert!(
        first_told < first.created_at + chrono::Duration::seconds(WINDOW),
        "the first access was not held: {first:?}"
    );
    // Two more by P1 within the window are held and told together; P2's is its own.
    for n in 1..3 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        access(&app, &patient, n, "P1");
    }
    access(&app, &patient, 9, "P2");
    harness::wait_for(Duration::from_secs(20), "the accesses to be told", || {
        all_done(&mut conn)
    })
    .await;
    let requests = server.received_requests().await.expect("recorded");
    let bodies: Vec<String> = requests
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_eq!(
        bodies.len(),
        3,
        "P1 once, P1's later two together, P2: {bodies:?}"
    );
    assert!(bodies[0].contains("accessed+by+Clinic+P1"), "{}", bodies[0]);
    assert!(
        bodies[1].contains("accessed+by+Clinic+P2"),
        "P2 is not held behind P1: {}",
        bodies[1]
    );
    assert!(
        bodies[2].contains("accessed+2+times+by+Clinic+P1"),
        "{}",
        bodies[2]
    );
    let jobs = harness::all_jobs(&mut conn, &patient);
    let folded: Vec<_> = jobs
        .iter()
        .filter(|j| {
            j.provider_ref
                .as_deref()
                .is_some_and(|r| r.starts_with(jobs::FOLDED_PREFIX))
        })
        .collect();
    assert_eq!(folded.len(), 1, "one later P1 access folded into the other");
    let lead = jobs
        .iter()
        .find(|j| {
            j.id != first.id
                && j.payload.contains("P1")
                && j.provider_ref
                    .as_deref()
                    .is_some_and(|r| r.starts_with("SM"))
        })
        .expect("lead");
    assert!(
        lead.finished_at.expect("finished") >= first_told + chrono::Duration::seconds(WINDOW),
        "held until the window after the first message closed"
    );
    let payload: serde_json::Value = serde_json::from_str(&lead.payload).expect("json");
    assert_eq!(
        payload["facts"]["access_times"].as_array().map(Vec::len),
        Some(2),
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
