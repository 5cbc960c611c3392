//! SMS through a local HTTP server speaking Twilio's Messages API.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use ehealth_core::db::jobs::{self, NewJob};
use ehealth_core::domain::NotificationKind;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::harness::{self, SMS};
use crate::support::TestApp;

pub const SID: &str = "AC_test";
const BASIC_AUTH: &str = "Basic QUNfdGVzdDp0d2lsaW8tc2VjcmV0"; // AC_test:twilio-secret
pub const FROM: &str = "+85230000000";

/// Answers like Twilio: 201 with a fresh message SID, after `fail_first` 503s (or
/// always `refuse` with a 400 when set).
pub struct TwilioStandIn {
    pub calls: Arc<AtomicUsize>,
    pub fail_first: usize,
    pub refuse: bool,
}

impl TwilioStandIn {
    pub fn new(fail_first: usize) -> (Self, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let me = Self {
            calls: calls.clone(),
            fail_first,
            refuse: false,
        };
        (me, calls)
    }
}

impl Respond for TwilioStandIn {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if self.refuse {
            return ResponseTemplate::new(400).set_body_json(json!({"code": 21211,
                "message": "The 'To' number is not a valid phone number.", "status": 400}));
        }
        if n <= self.fail_first {
            return ResponseTemplate::new(503).set_body_json(json!({"code": 20500,
                "message": "Service unavailable", "status": 503}));
        }
        ResponseTemplate::new(201).set_body_json(json!({"sid": format!("SM{n:032}"),
            "status": "queued"}))
    }
}

pub async fn twilio(responder: TwilioStandIn) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/2010-04-01/Accounts/{SID}/Messages.json")))
        .and(header("authorization", BASIC_AUTH))
        .respond_with(responder)
        .mount(&server)
        .await;
    server
}

pub fn configure(config: &mut ehealth_core::config::Config, base: &str) {
    config.twilio.account_sid = Some(SID.into());
    config.twilio.auth_token = Some("twilio-secret".into());
    config.twilio.api_base = Some(base.into());
    config.twilio.from_number = Some(FROM.into());
    config.ivr.public_url = "https://ivr.ehealth.example".into();
}

async fn app_with(backend: ehealth_core::db::Backend, server: &MockServer) -> Option<TestApp> {
    let base = server.uri();
    TestApp::start_with(backend, |c| configure(c, &base)).await
}

pub(crate) fn form(body: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    reqwest::Url::parse(&format!("http://x/?{text}"))
        .expect("form")
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub(crate) fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

macro_rules! backends_with_twilio {
    ($( async fn $name:ident($app:ident: TestApp, $server:ident: MockServer, fail_first = $fail:expr, refuse = $refuse:expr) $body:block )+) => {
        $(
            async fn $name($app: TestApp, $server: MockServer) $body
        )+
        mod sqlite { $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (mut r, _) = super::TwilioStandIn::new($fail);
                r.refuse = $refuse;
                let server = super::twilio(r).await;
                let app = super::app_with(ehealth_core::db::Backend::Sqlite, &server).await.expect("sqlite");
                super::$name(app, server).await;
            }
        )+ }
        mod postgres { $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (mut r, _) = super::TwilioStandIn::new($fail);
                r.refuse = $refuse;
                let server = super::twilio(r).await;
                if let Some(app) = super::app_with(ehealth_core::db::Backend::Postgres, &server).await {
                    super::$name(app, server).await;
                }
            }
        )+ }
    };
}

backends_with_twilio! {
    async fn sms_reaches_twilio_in_the_patients_language_with_a_status_callback(
        app: TestApp, server: MockServer, fail_first = 0, refuse = false
    ) {
        let mut conn = app.conn();
        let patient = harness::patient(&mut conn, "zh-Hant", SMS);
        assert_eq!(harness::notify(&mut conn, &patient, NotificationKind::RegistrationCompleted, "ev-1"), 1);
        // The metrics are the process's: under `cargo test` other tests' messages count too.
        let ucs2_before = ucs2_segments(&harness::queue_metrics(&app).await);
        let _worker = harness::start_worker(&app);
        harness::wait_for(Duration::from_secs(10), "the SMS job to finish", || {
            harness::all_jobs(&mut conn, &patient)[0].status == jobs::DONE
        }).await;
        let requests = server.received_requests().await.expect("recorded");
        assert_eq!(requests.len(), 1, "one message, sent once");
        let sent = form(&requests[0].body);
        assert_eq!(field(&sent, "To"), "+85291234567");
        assert_eq!(field(&sent, "From"), FROM);
        assert_eq!(field(&sent, "StatusCallback"), "https://ivr.ehealth.example/ivr/sms-status");
        let body = field(&sent, "Body");
        assert!(body.contains("醫健通") && body.contains(&patient.ehr_number), "{body}");
        let job = &harness::all_jobs(&mut conn, &patient)[0];
        assert_eq!(job.provider_ref.as_deref(), Some(format!("SM{:032}", 1).as_str()),
            "the message SID is kept so the delivery receipt finds its job");
        assert_eq!(job.attempts, 1);
        let (encoding, parts) = ehealth_notifier::channels::sms::segments(body);
        assert_eq!(encoding, ehealth_notifier::channels::sms::SmsEncoding::Ucs2);
        let counted = ucs2_segments(&harness::queue_metrics(&app).await) - ucs2_before;
        assert!(counted >= parts as u64, "{parts} UCS-2 segments counted, got {counted} more");
    }

    async fn a_code_for_an_applicant_goes_to_its_destination_and_is_scrubbed_once_sent(
        app: TestApp, server: MockServer, fail_first = 0, refuse = false
    ) {
        // The shape issue 3 enqueues for someone who is not a patient yet.
        let job = NewJob {
            job_type: "verification_code".into(),
            channel: "sms".into(),
            patient_id: None,
            dedupe_key: "code:applicant-1:sms".into(),
            payload: json!({"kind": "verification_code", "event_id": "applicant-1",
                "patient_id": null, "destination": "+85298765432", "language": "zh-Hans",
                "occurred_at": "2026-11-25T02:00:00+00:00",
                "facts": {"code": "482913", "purpose": "application"}}),
            max_attempts: 5,
        };
        let mut conn = app.conn();
        jobs::enqueue(&mut conn, &job, Utc::now()).expect("enqueued");
        let _worker = harness::start_worker(&app);
        harness::wait_for(Duration::from_secs(10), "the code to be sent", || {
            jobs::with_status(&mut conn, jobs::DONE, 10).expect("jobs").len() == 1
        }).await;
        let requests = server.received_requests().await.expect("recorded");
        let sent = form(&requests[0].body);
        assert_eq!(field(&sent, "To"), "+85298765432");
        assert!(field(&sent, "Body").contains("482913") && field(&sent, "Body").contains("验证码"),
            "{}", field(&sent, "Body"));
        let stored = &jobs::with_status(&mut conn, jobs::DONE, 10).expect("jobs")[0];
        assert!(!stored.payload.contains("482913"), "the code is not kept once delivered");
    }

    async fn a_voice_line_code_queued_by_the_previous_release_is_delivered_and_scrubbed(
        app: TestApp, server: MockServer, fail_first = 0, refuse = false
    ) {
        // The row as `actions/ivr_code.rs` wrote it before the outbox was typed: the
        // destination under `facts`, the code sealed, keys in the stored order.
        let mut conn = app.conn();
        let patient = harness::patient(&mut conn, "en", SMS);
        let sealed = ehealth_core::seal::seal_job_secret(
            app.services.hasher.sealer(), "ivr-code-1", "code", "135790").expect("sealed");
        let payload = format!(
            r#"{{"event_id":"ivr-code-1","facts":{{"code":"{sealed}","destination":"+85291110000"}},"kind":"verification_code","language":"en","name_en":"{}","name_zh":null,"occurred_at":"2026-11-25T02:00:00+00:00","patient_id":"{}"}}"#,
            patient.name_en, patient.id);
        let job = NewJob {
            job_type: "verification_code".into(),
            channel: "sms".into(),
            patient_id: Some(patient.id.clone()),
            dedupe_key: "code:ivr-code-1".into(),
            payload: serde_json::from_str(&payload).expect("json"),
            max_attempts: 12,
        };
        jobs::enqueue(&mut conn, &job, Utc::now()).expect("enqueued");
        let _worker = harness::start_worker(&app);
        harness::wait_for(Duration::from_secs(10), "the code to be sent", || {
            harness::all_jobs(&mut conn, &patient).iter().all(|j| j.status == jobs::DONE)
        }).await;
        let requests = server.received_requests().await.expect("recorded");
        let sent = form(&requests[0].body);
        assert_eq!(field(&sent, "To"), "+85291110000", "the destination it named");
        assert_eq!(field(&sent, "Body"),
            "Your eHealth verification code is 135790. Do not share it.\n\
             Time: 2026-11-25 10:00. Enquiries: eHealth hotline 3467 6300.\n");
        let stored = &harness::all_jobs(&mut conn, &patient)[0];
        assert!(!stored.payload.contains("135790") && stored.payload.contains("[delivered]"),
            "{}", stored.payload);
    }

    async fn twilio_outage_backs_off_and_every_message_goes_after_recovery(
        app: TestApp, server: MockServer, fail_first = 6, refuse = false
    ) {
        let mut conn = app.conn();
        let patient = harness::patient(&mut conn, "en", SMS);
        for i in 0..3 {
            harness::notify(&mut conn, &patient, NotificationKind::ConsentGiven, &format!("ev-{i}"));
        }
        let _worker = harness::start_worker(&app);
        harness::wait_for(Duration::from_secs(20), "all three delivered", || {
            harness::all_jobs(&mut conn, &patient).iter().all(|j| j.status == jobs::DONE)
        }).await;
        let jobs = harness::all_jobs(&mut conn, &patient);
        let attempts: i32 = jobs.iter().map(|j| j.attempts).sum();
        assert_eq!(attempts, 6 + 3, "six refused tries, then one success each");
        assert!(jobs.iter().all(|j| j.last_error.as_deref().is_some_and(|e| e.contains("503"))),
            "each job met the outage at least once: {jobs:?}");
        let successes = server.received_requests().await.expect("recorded").len() - 6;
        assert_eq!(successes, 3, "no message sent twice");
    }

    async fn a_number_twilio_refuses_ends_dead_at_once_and_shows_in_metrics(
        app: TestApp, server: MockServer, fail_first = 0, refuse = true
    ) {
        let mut conn = app.conn();
        let patient = harness::patient(&mut conn, "en", SMS);
        harness::notify(&mut conn, &patient, NotificationKind::Withdrawal, "ev-dead");
        let _worker = harness::start_worker(&app);
        harness::wait_for(Duration::from_secs(10), "the job to die", || {
            harness::all_jobs(&mut conn, &patient)[0].status == jobs::DEAD
        }).await;
        let job = &harness::all_jobs(&mut conn, &patient)[0];
        assert_eq!(job.attempts, 1, "a refusal is not retried");
        assert!(job.last_error.as_deref().unwrap_or("").contains("21211"));
        assert_eq!(server.received_requests().await.expect("recorded").len(), 1);
        let metrics = harness::queue_metrics(&app).await;
        assert!(metrics.contains("ehealth_notifier_dead_jobs{channel=\"sms\"} 1"), "{metrics}");
        assert!(metrics.contains("ehealth_notifier_queue_depth{channel=\"sms\"} 0"), "{metrics}");
    }

    async fn a_provider_that_keeps_failing_parks_the_job_dead_after_its_attempts(
        app: TestApp, server: MockServer, fail_first = 1000, refuse = false
    ) {
        let mut conn = app.conn();
        let patient = harness::patient(&mut conn, "en", SMS);
        let job = NewJob {
            job_type: "withdrawal".into(),
            channel: "sms".into(),
            patient_id: Some(patient.id.clone()),
            dedupe_key: "ev-x:sms".into(),
            payload: json!({"facts": {}}),
            max_attempts: 3,
        };
        jobs::enqueue(&mut conn, &job, Utc::now()).expect("enqueued");
        let _worker = harness::start_worker(&app);
        harness::wait_for(Duration::from_secs(10), "the job to die", || {
            harness::all_jobs(&mut conn, &patient)[0].status == jobs::DEAD
        }).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(server.received_requests().await.expect("recorded").len(), 3,
            "tried exactly max_attempts times, then left alone");
        assert_eq!(harness::all_jobs(&mut conn, &patient)[0].attempts, 3);
    }
}

/// `ehealth_notifier_sms_segments_total{encoding="ucs2"}` in a `/metrics` text (0 if absent).
fn ucs2_segments(metrics: &str) -> u64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("ehealth_notifier_sms_segments_total{encoding=\"ucs2\"} "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}
