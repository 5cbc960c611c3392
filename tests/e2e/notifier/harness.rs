//! What the notifier's tests share: patients made directly in the database, events
//! enqueued through the real `notify_patient`, an in-process worker, a real SMTP server
//! on loopback (`smtp_sink`), and waiting for the queue to settle.

use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use ehealth_core::actions::notify::{notify_patient, PatientEvent};
use ehealth_core::db::jobs::{self, Job};
use ehealth_core::db::patients::{self, Patient};
use ehealth_core::db::{new_id, write_tx, DbConn};
use ehealth_core::domain::{Notification, NotificationKind};
use ehealth_core::ids::PatientId;
use ehealth_notifier::WorkerOptions;
use serde_json::json;
use tokio::sync::watch;

pub use super::smtp_sink::SmtpSink;
use crate::support::TestApp;

#[derive(Clone, Copy)]
pub struct Means {
    pub sms: bool,
    pub email: bool,
    pub post: bool,
}

pub const SMS: Means = Means {
    sms: true,
    email: false,
    post: false,
};
pub const EMAIL: Means = Means {
    sms: false,
    email: true,
    post: false,
};

pub fn patient(conn: &mut DbConn, language: &str, means: Means) -> Patient {
    let digits: String = new_id()
        .chars()
        .filter(char::is_ascii_digit)
        .take(12)
        .collect();
    let p = Patient {
        id: PatientId::generate(),
        ehr_number: format!("{digits:0>12}"),
        id_doc_type: ehealth_core::ids::IdentityDocumentKind::Hkic,
        id_doc_number: new_id(),
        id_doc_place: None,
        id_doc_key: new_id(),
        name_en: "CHAN Tai Man".into(),
        name_zh: Some("陳大文".into()),
        date_of_birth: NaiveDate::from_ymd_opt(1980, 1, 2).expect("date"),
        sex: ehealth_core::domain::Sex::Male,
        mobile: "+85291234567".into(),
        email: Some("chan@example.com".into()),
        postal_address: Some("Flat A, 1/F, 1 Harbour Road, Wan Chai".into()),
        language: ehealth_core::domain::Language::parse(language).unwrap(),
        notify_sms: means.sms,
        notify_email: means.email,
        notify_post: means.post,
        status: ehealth_core::domain::PatientStatus::Registered,
        registered_at: Utc::now().naive_utc(),
        registered_by_provider: None,
        withdrawn_at: None,
    };
    patients::insert(conn, &p).expect("patient inserted");
    p
}

/// Enqueues a "registration completed" event, whose text carries `ehr` so that each
/// message can be told apart at the provider.
pub fn notify(conn: &mut DbConn, patient: &Patient, kind: NotificationKind, event: &str) -> usize {
    // The facts of `kind` among these, as a stored job of that kind is read.
    let facts = json!({ "facts": { "ehr_number": patient.ehr_number, "provider_name_en": "Harbour Clinic",
                                   "provider_name_zh": "海港診所" } });
    let event = PatientEvent {
        event_id: event.to_owned(),
        notice: Notification::read(kind.as_str(), &facts.to_string())
            .expect("facts")
            .notice,
    };
    write_tx(conn, |c| notify_patient(c, patient, &event, Utc::now())).expect("enqueued")
}

pub fn all_jobs(conn: &mut DbConn, patient: &Patient) -> Vec<Job> {
    jobs::for_patient(conn, &patient.id).expect("jobs")
}

/// A worker in this process, stopped when dropped.
pub struct Worker {
    stop: watch::Sender<bool>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

pub fn fast_options() -> WorkerOptions {
    WorkerOptions {
        worker_id: format!("test-{}", &new_id()[..8]),
        batch_size: 16,
        lease: chrono::Duration::seconds(30),
        poll_interval: Duration::from_millis(20),
        backoff_base: Duration::from_millis(50),
    }
}

pub fn start_worker(app: &TestApp) -> Worker {
    let (stop, rx) = watch::channel(false);
    tokio::spawn(ehealth_notifier::run(
        app.services.clone(),
        fast_options(),
        rx,
    ));
    Worker { stop }
}

/// Waits until `done` holds, failing the test after `limit`.
pub async fn wait_for(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The notifier's `/metrics` (its queue metrics included), served from this process.
pub async fn queue_metrics(app: &TestApp) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let url = format!("http://{}/metrics", listener.local_addr().expect("addr"));
    let server = ehealth_notifier::serve_http(app.services.clone(), listener).expect("serves");
    let handle = server.handle();
    tokio::spawn(server);
    let text = app.get(&url).await.text().await.expect("metrics");
    handle.stop(false).await;
    text
}
