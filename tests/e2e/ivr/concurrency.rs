//! Copies of one webhook arriving at once (Twilio retrying on a timeout, a load balancer
//! retrying at another instance while the first still answers): the step is done once,
//! and every copy gets the same answer.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use ehealth_core::db::{access_keys, audit, consents, jobs, patients};
use ehealth_core::ids::PatientId;

use super::call::{demo, dental, identify, ivr_tests, second_ivr, Call, CALLER, DEMO_BIRTH_DATE};
use crate::support::TestApp;

struct Written {
    consents: usize,
    given_sms: usize,
    given_audit: usize,
}

fn written(app: &TestApp, patient: &PatientId) -> Written {
    let mut conn = app.conn();
    let jobs = jobs::for_patient(&mut conn, patient).unwrap();
    let entries = audit::for_patient(&mut conn, patient, None, 500).unwrap();
    Written {
        consents: consents::history(&mut conn, patient).unwrap().len(),
        given_sms: jobs
            .iter()
            .filter(|j| j.job_type == "consent_given" && j.channel == "sms")
            .count(),
        given_audit: entries
            .iter()
            .filter(|e| e.event == ehealth_core::domain::AuditAction::ConsentGiven)
            .count(),
    }
}

/// Identifies, chooses the dental company, indefinite, and confirms in `copies` copies
/// spread over `bases`; checks that one consent, one confirmation and one audit entry
/// were written and that every copy heard the same "Done".
async fn confirm_in_copies(app: &TestApp, copies: usize, bases: &[String]) {
    let demo = demo(app);
    let patient = patients::find_by_ehr_number(&mut app.conn(), &demo.patient_ehr_number)
        .unwrap()
        .unwrap()
        .id;
    let mut call = Call::dial(app, CALLER).await;
    identify(&mut call, "2", &demo, &demo.patient_access_key).await;
    call.press("1").await;
    call.press(&dental(&demo)).await;
    call.press("2").await;
    let before = written(app, &patient);
    let answers = call.press_in_copies("1", copies, bases).await;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        assert_eq!(body, &answers[0].1, "every copy gets the same answer");
    }
    assert!(
        call.said()
            .contains("Done. Your sharing consent is recorded"),
        "{}",
        call.said()
    );
    let after = written(app, &patient);
    assert_eq!(after.consents, before.consents + 1, "one consent row");
    assert_eq!(
        after.given_sms,
        before.given_sms + 1,
        "one confirmation SMS"
    );
    assert_eq!(after.given_audit, before.given_audit + 1, "one audit entry");
    // A copy that comes in after the first finished is given the stored answer.
    assert_eq!(call.replay_last().await, answers[0].1);
    assert_eq!(written(app, &patient).consents, after.consents);
    call.press("9").await;
    assert!(call.hung_up());
    ehealth_core::testing::assert_log_verifies(&mut app.conn());
}

ivr_tests! {
    async fn concurrent_copies_of_a_confirmation_are_acted_on_once(app: TestApp) {
        let bases = vec![app.ivr.clone()];
        confirm_in_copies(&app, 6, &bases).await;
    }

    async fn copies_spread_over_two_instances_are_acted_on_once(app: TestApp) {
        let bases = vec![app.ivr.clone(), second_ivr(&app)];
        confirm_in_copies(&app, 8, &bases).await;
    }

    async fn concurrent_copies_of_a_wrong_key_count_once(app: TestApp) {
        let demo = demo(&app);
        let patient = patients::find_by_ehr_number(&mut app.conn(), &demo.patient_ehr_number).unwrap().unwrap().id;
        let bases = vec![app.ivr.clone(), second_ivr(&app)];
        let mut call = Call::dial(&app, CALLER).await;
        call.press("2").await;
        call.press_as(&demo.patient_ehr_number, "<eHR number>").await;
        call.press(DEMO_BIRTH_DATE).await;
        let answers = call.press_in_copies("99999999", 4, &bases).await;
        for (status, body) in &answers {
            assert_eq!(*status, 200, "{body}");
            assert_eq!(body, &answers[0].1);
        }
        assert!(call.said().contains("do not match"), "{}", call.said());
        let key = access_keys::current(&mut app.conn(), &patient).unwrap().unwrap();
        assert_eq!(key.failed_attempts, 1, "one wrong try, however many copies");
    }
}
