//! Email over a real SMTP server on loopback (`smtp_sink`, the `mailin` crate's SMTP session).

use std::time::Duration;

use ehealth_core::db::jobs;
use ehealth_core::domain::NotificationKind;

use super::harness::{self, SmtpSink, EMAIL};
use crate::support::TestApp;

async fn app_with(backend: ehealth_core::db::Backend, sink: &SmtpSink) -> Option<TestApp> {
    let url = sink.url();
    TestApp::start_with(backend, |c| c.smtp.url = Some(url.into())).await
}

macro_rules! backends_with_smtp {
    ($( async fn $name:ident($app:ident: TestApp, $sink:ident: SmtpSink) $body:block )+) => {
        $( async fn $name($app: TestApp, $sink: SmtpSink) $body )+
        mod sqlite { $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let sink = super::SmtpSink::start();
                let app = super::app_with(ehealth_core::db::Backend::Sqlite, &sink).await.expect("sqlite");
                super::$name(app, sink).await;
            }
        )+ }
        mod postgres { $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let sink = super::SmtpSink::start();
                if let Some(app) = super::app_with(ehealth_core::db::Backend::Postgres, &sink).await {
                    super::$name(app, sink).await;
                }
            }
        )+ }
    };
}

backends_with_smtp! {
    async fn email_is_text_and_html_in_the_patients_language(app: TestApp, sink: SmtpSink) {
        let mut conn = app.conn();
        let patient = harness::patient(&mut conn, "zh-Hans", EMAIL);
        harness::notify(&mut conn, &patient, NotificationKind::ConsentRevoked, "ev-mail");
        let _worker = harness::start_worker(&app);
        harness::wait_for(Duration::from_secs(10), "the email to arrive", || {
            !sink.messages().is_empty()
        }).await;
        let mail = &sink.messages()[0];
        assert_eq!(mail["rcpt_tos"][0], "chan@example.com");
        assert_eq!(mail["content_type"], "multipart/alternative");
        let text = mail["parts"]["text/plain"].as_str().expect("a text part");
        let html = mail["parts"]["text/html"].as_str().expect("an html part");
        assert!(text.contains("海港診所") && text.contains("撤销"), "Simplified Chinese: {text}");
        assert!(html.contains("lang=\"zh-Hans\"") && html.contains("撤销"), "{html}");
        assert!(mail["subject"].as_str().unwrap_or("").contains("医健通"), "{mail}");
        harness::wait_for(Duration::from_secs(5), "the job to finish", || {
            harness::all_jobs(&mut conn, &patient)[0].status == jobs::DONE
        }).await;
        let job = &harness::all_jobs(&mut conn, &patient)[0];
        assert_eq!(job.provider_ref.as_deref(), mail["message_id"].as_str(),
            "the job remembers the Message-ID it was sent with");
    }

    async fn smtp_outage_backs_off_and_every_message_goes_after_recovery(app: TestApp, sink: SmtpSink) {
        sink.fail_next(5);
        let mut conn = app.conn();
        let patient = harness::patient(&mut conn, "en", EMAIL);
        for i in 0..3 {
            harness::notify(&mut conn, &patient, NotificationKind::ConsentGiven, &format!("ev-{i}"));
        }
        let _worker = harness::start_worker(&app);
        harness::wait_for(Duration::from_secs(20), "all three delivered", || {
            harness::all_jobs(&mut conn, &patient).iter().all(|j| j.status == jobs::DONE)
        }).await;
        let attempts: i32 = harness::all_jobs(&mut conn, &patient).iter().map(|j| j.attempts).sum();
        assert_eq!(attempts, 5 + 3, "five answered 451, then one success each");
        assert_eq!(sink.messages().len(), 3, "each message arrived once");
    }

    async fn a_mailbox_the_server_refuses_ends_dead_without_retrying(app: TestApp, sink: SmtpSink) {
        sink.reject_all();
        let mut conn = app.conn();
        let patient = harness::patient(&mut conn, "en", EMAIL);
        harness::notify(&mut conn, &patient, NotificationKind::Withdrawal, "ev-550");
        let _worker = harness::start_worker(&app);
        harness::wait_for(Duration::from_secs(10), "the job to die", || {
            harness::all_jobs(&mut conn, &patient)[0].status == jobs::DEAD
        }).await;
        let job = &harness::all_jobs(&mut conn, &patient)[0];
        assert_eq!(job.attempts, 1);
        assert!(job.last_error.as_deref().unwrap_or("").contains("550"), "{job:?}");
    }
}
