//! Twilio's callbacks: call status, and SMS delivery receipts matched to notification jobs.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use diesel::prelude::*;
use ehealth_core::db::schema::notification_jobs;
use ehealth_core::db::{calls, jobs, patients, receipts};

use super::call::{demo, ivr_tests, params, post_as_twilio, Call, CALLER};

ivr_tests! {
    async fn call_status_marks_the_end_of_a_call(app: TestApp) {
        let _demo = demo(&app);
        let call = Call::dial(&app, CALLER).await;
        let form = params(&[("CallSid", &call.sid), ("CallStatus", "completed"), ("From", CALLER), ("CallDuration", "42")]);
        let response = post_as_twilio(&app, "/ivr/status", &form).await;
        assert_eq!(response.status(), 204);
        let row = calls::find(&mut app.conn(), &call.sid).unwrap().unwrap();
        assert_eq!(row.call_status.as_deref(), Some("completed"));
        assert!(row.ended_at.is_some());
        let response = post_as_twilio(&app, "/ivr/status", &params(&[("From", CALLER)])).await;
        assert_eq!(response.status(), 400, "a callback without CallSid is malformed");
    }

    async fn sms_receipts_are_recorded_against_their_job_once(app: TestApp) {
        let demo = demo(&app);
        let patient = patients::find_by_ehr_number(&mut app.conn(), &demo.patient_ehr_number).unwrap().unwrap();
        let job = jobs::for_patient(&mut app.conn(), &patient.id).unwrap().into_iter().find(|j| j.channel == "sms").unwrap();
        // The notifier stores Twilio's message SID on the job when it sends it.
        diesel::update(notification_jobs::table.find(&job.id))
            .set(notification_jobs::provider_ref.eq("SM0123456789abcdef"))
            .execute(&mut app.conn())
            .unwrap();
        let delivered = params(&[("MessageSid", "SM0123456789abcdef"), ("MessageStatus", "delivered"), ("AccountSid", "ACtest")]);
        for _ in 0..2 {
            assert_eq!(post_as_twilio(&app, "/ivr/sms-status", &delivered).await.status(), 204);
        }
        let failed = params(&[("MessageSid", "SM0123456789abcdef"), ("MessageStatus", "undelivered"), ("ErrorCode", "30003")]);
        assert_eq!(post_as_twilio(&app, "/ivr/sms-status", &failed).await.status(), 204);
        let seen = receipts::for_message(&mut app.conn(), "SM0123456789abcdef").unwrap();
        assert_eq!(seen.len(), 2, "a repeated receipt is kept once");
        assert!(seen.iter().all(|r| r.job_id.as_deref() == Some(job.id.as_str())));
        let job = jobs::find(&mut app.conn(), &job.id).unwrap().unwrap();
        assert_eq!(job.last_error.as_deref(), Some("delivery undelivered: Twilio error 30003"));
        // A receipt for a message we do not know is kept without a job.
        let unknown = params(&[("MessageSid", "SMunknown"), ("MessageStatus", "sent")]);
        assert_eq!(post_as_twilio(&app, "/ivr/sms-status", &unknown).await.status(), 204);
        assert_eq!(receipts::for_message(&mut app.conn(), "SMunknown").unwrap()[0].job_id, None);
        let missing = params(&[("MessageStatus", "sent")]);
        assert_eq!(post_as_twilio(&app, "/ivr/sms-status", &missing).await.status(), 400);
    }
}
