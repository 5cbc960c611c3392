//! The Office sees notifications that ran out of attempts and can put one back in the
//! queue; nobody else can.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use chrono::Utc;
use ehealth_core::db::jobs::{self, NewJob};
use ehealth_core::db::write_tx;
use serde_json::json;

use super::helpers::*;
use crate::support::TestApp;

/// A job that failed permanently, made through the queue's own functions.
fn dead_job(app: &TestApp) -> String {
    let mut conn = app.conn();
    let job = NewJob {
        job_type: "consent_given".into(),
        channel: "email".into(),
        patient_id: None,
        dedupe_key: format!("dead-test:{}", ehealth_core::db::new_id()),
        payload: json!({ "facts": {} }),
        max_attempts: 3,
    };
    let now = Utc::now();
    write_tx(&mut conn, |c| {
        jobs::enqueue(c, &job, now)?;
        let claimed = jobs::claim(c, "test-worker", 10, chrono::Duration::seconds(60), now)?;
        let job = claimed
            .into_iter()
            .find(|j| j.dedupe_key == job.dedupe_key)
            .expect("claimed");
        jobs::fail(c, &job, "550 mailbox unavailable", now, true, now)?;
        Ok(job.id)
    })
    .expect("dead job")
}

both_backends! {
    async fn the_office_lists_dead_jobs_and_retries_one(app: TestApp) {
        demo(&app);
        let id = dead_job(&app);
        let office = office(&app).await;
        let (status, body) = get(&app, "/v1/admin/notification-jobs", &office).await;
        assert_eq!(status, 200, "{body}");
        let listed = body["jobs"].as_array().expect("jobs");
        let job = listed.iter().find(|j| j["id"] == id.as_str()).expect("the dead job is listed");
        assert_eq!(job["status"], "dead");
        assert_eq!(job["last_error"], "550 mailbox unavailable");
        assert!(job.get("payload").is_none(), "payloads are never shown");

        let path = format!("/v1/admin/notification-jobs/{id}/retry");
        let (status, body) = post(&app, &path, Some(&office), json!({})).await;
        assert_eq!((status, body["status"].as_str(), body["attempts"].as_i64()), (200, Some("pending"), Some(0)), "{body}");
        // No longer dead: a second retry finds nothing to retry.
        let (status, body) = post(&app, &path, Some(&office), json!({})).await;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("job_not_found")));
        let (_, audit) = get(&app, "/v1/admin/audit?event=job_retried", &office).await;
        assert_eq!(audit["entries"].as_array().map(Vec::len), Some(1), "{audit}");
    }

    async fn only_the_office_sees_or_retries_dead_jobs(app: TestApp) {
        demo(&app);
        let id = dead_job(&app);
        let admin = clinic_admin(&app).await;
        let path = format!("/v1/admin/notification-jobs/{id}/retry");
        let (status, _) = get(&app, "/v1/admin/notification-jobs", &admin).await;
        assert_eq!(status, 403);
        let (status, _) = post(&app, &path, Some(&admin), json!({})).await;
        assert_eq!(status, 403);
        let (status, _) = post(&app, &path, None, json!({})).await;
        assert_eq!(status, 401);
        let (status, body) = get(&app, "/v1/admin/notification-jobs?limit=0", &office(&app).await).await;
        assert_eq!((status, body["error"]["field"].as_str()), (400, Some("limit")));
        // Still dead: the refused retries changed nothing.
        let job = jobs::find(&mut app.conn(), &id).unwrap().unwrap();
        assert_eq!(job.status, "dead");
    }
}
