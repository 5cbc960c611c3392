//! An applicant's code is delivered by the notifier to the mobile in the job's
//! `destination` (there is no patient yet), in the applicant's language.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use ehealth_core::db::new_id;
use ehealth_notifier::WorkerOptions;
use tokio::sync::watch;

use super::helpers::*;
use crate::support::json;

fn sms_files(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir.join("sms"))
        .map(|d| {
            d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                .collect()
        })
        .unwrap_or_default()
}

both_backends! {
    async fn an_applicants_code_reaches_the_mobile_they_gave(app: TestApp) {
        let mobile = "+85260001234";
        let r = post(&app, "/v1/app/applications", &application_body(HKIC_B, mobile), None).await;
        assert_eq!(json(r).await["status"], "pending_mobile_verification");
        let code = last_code(&app, mobile);
        let (stop, rx) = watch::channel(false);
        let options = WorkerOptions {
            worker_id: format!("app-test-{}", &new_id()[..8]),
            batch_size: 16,
            lease: chrono::Duration::seconds(30),
            poll_interval: Duration::from_millis(20),
            backoff_base: Duration::from_millis(50),
        };
        tokio::spawn(ehealth_notifier::run(app.services.clone(), options, rx));
        let started = Instant::now();
        let outbox = app.outbox_dir();
        while !sms_files(&outbox).iter().any(|f| f.contains(mobile)) {
            assert!(started.elapsed() < Duration::from_secs(10), "no SMS to {mobile} in the outbox");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let _ = stop.send(true);
        let sms = sms_files(&outbox).into_iter().find(|f| f.contains(mobile)).unwrap();
        assert!(sms.contains(&code), "{sms}");
        assert!(sms.contains("Language: zh-Hant"), "{sms}");
    }
}
