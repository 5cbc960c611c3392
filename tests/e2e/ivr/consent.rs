//! Giving, changing and revoking sharing consent by phone, in the three languages.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use ehealth_core::db::{audit, consents, jobs, patients};
use ehealth_core::ids::PatientId;

use super::call::{self, demo, dental, identify, ivr_tests, Call, CALLER};
use crate::support::TestApp;

fn patient_id(app: &TestApp, ehr: &str) -> PatientId {
    patients::find_by_ehr_number(&mut app.conn(), ehr)
        .unwrap()
        .expect("demo patient")
        .id
}

ivr_tests! {
    async fn consent_is_given_changed_and_revoked_in_three_languages(app: TestApp) {
        let demo = demo(&app);
        let patient = patient_id(&app, &demo.patient_ehr_number);
        let dental = dental(&demo);

        // Cantonese: one-year consent for the dental company.
        let mut call = Call::dial(&app, CALLER).await;
        identify(&mut call, "1", &demo, &demo.patient_access_key).await;
        assert!(call.said().contains("如要給予或續期"), "{}", call.said());
        call.press("1").await;
        call.press(&dental).await;
        assert!(call.said().contains("九龍牙科有限公司"), "read back by name: {}", call.said());
        assert!(call.said().contains("0 0 0 0, 1 0 0 2"), "digits grouped: {}", call.said());
        call.press("1").await;
        assert!(call.said().contains("一年期"), "{}", call.said());
        let before = consents::history(&mut app.conn(), &patient).unwrap().len();
        call.press("1").await;
        assert!(call.said().contains("已完成"), "{}", call.said());
        call.press("9").await;
        assert!(call.hung_up());
        insta::assert_snapshot!("give_one_year_cantonese", call.transcript);
        let current = consents::current(&mut app.conn(), &patient, &dental).unwrap().expect("given");
        assert_eq!(current.consent_type.as_str(), "one_year");
        assert_eq!(current.channel.as_str(), "ivr");
        assert_eq!(current.actor_kind.as_str(), "patient");
        assert_eq!(current.actor_id.as_deref(), Some(patient.as_str()));
        assert!(current.expires_at.is_some());
        assert_eq!(consents::history(&mut app.conn(), &patient).unwrap().len(), before + 1);

        // English: the same provider, changed to indefinite (the one-year one is superseded).
        let mut call = Call::dial(&app, CALLER).await;
        identify(&mut call, "2", &demo, &demo.patient_access_key).await;
        call.press("1").await;
        call.press(&dental).await;
        assert!(call.said().contains("Kowloon Dental Company"), "{}", call.said());
        call.press("2").await;
        assert!(call.said().contains("indefinite sharing consent to Kowloon Dental Company"), "{}", call.said());
        call.press("1").await;
        call.press("9").await;
        insta::assert_snapshot!("change_to_indefinite_english", call.transcript);
        let changed = consents::current(&mut app.conn(), &patient, &dental).unwrap().expect("changed");
        assert_eq!(changed.consent_type.as_str(), "indefinite");
        assert!(changed.expires_at.is_none());
        let history = consents::history(&mut app.conn(), &patient).unwrap();
        let old = history.iter().find(|c| c.id == current.id).expect("kept");
        assert_eq!(old.status.as_str(), "superseded");
        assert_eq!(old.superseded_by.as_deref(), Some(changed.id.as_str()));

        // Putonghua: revoked.
        let mut call = Call::dial(&app, CALLER).await;
        identify(&mut call, "3", &demo, &demo.patient_access_key).await;
        call.press("2").await;
        call.press(&dental).await;
        assert!(call.said().contains("撤销给予九龍牙科有限公司"), "{}", call.said());
        call.press("1").await;
        assert!(call.said().contains("已经撤销"), "{}", call.said());
        call.press("9").await;
        insta::assert_snapshot!("revoke_putonghua", call.transcript);
        assert!(consents::current(&mut app.conn(), &patient, &dental).unwrap().is_none());
        let history = consents::history(&mut app.conn(), &patient).unwrap();
        let revoked = history.iter().find(|c| c.id == changed.id).expect("kept");
        assert_eq!(revoked.status.as_str(), "revoked");
        assert_eq!(revoked.ended_channel.map(|c| c.as_str()), Some("ivr"));

        // Each change was audited as the patient's and confirmed to them.
        let entries = audit::for_patient(&mut app.conn(), &patient, None, 100).unwrap();
        let by_patient = |event: &str| entries.iter().filter(|e| e.event.as_str() == event && e.actor_kind == ehealth_core::domain::ActorKind::Patient && e.provider_id.as_deref() == Some(dental.as_str())).count();
        assert_eq!(by_patient("consent_given"), 2);
        assert_eq!(by_patient("consent_revoked"), 1);
        let jobs = jobs::for_patient(&mut app.conn(), &patient).unwrap();
        let sms = |kind: &str| jobs.iter().filter(|j| j.job_type == kind && j.channel == "sms" && j.payload.contains("\"channel\":\"ivr\"")).count();
        assert_eq!(sms("consent_given"), 2);
        assert_eq!(sms("consent_revoked"), 1);
        ehealth_core::testing::assert_log_verifies(&mut app.conn());
    }

    async fn revoking_without_consent_and_unknown_providers_are_told_not_written(app: TestApp) {
        let demo = demo(&app);
        let mut call = Call::dial(&app, CALLER).await;
        identify(&mut call, "2", &demo, &demo.patient_access_key).await;
        call.press("2").await;
        call.press(&dental(&demo)).await;
        assert!(call.said().contains("You have no sharing consent for Kowloon Dental Company"), "{}", call.said());
        call.press("1").await;
        // HA has deemed consent and a wrong check digit is no provider: both re-asked.
        call.press(&demo.providers[0].0).await;
        assert!(call.said().contains("Sorry, we cannot find a provider"), "{}", call.said());
        call.press("123456789").await;
        assert!(call.said().contains("Sorry, we cannot find a provider"), "{}", call.said());
        call.press("*").await;
        assert!(call.said().contains("9-digit healthcare provider ID"), "star repeats: {}", call.said());
        call.press(&call::clinic(&demo)).await;
        assert!(call.said().contains("Harbour View Medical Centre"), "{}", call.said());
        call.press("1").await;
        call.press("2").await;
        assert!(call.said().contains("Cancelled. Nothing was changed."), "{}", call.said());
        insta::assert_snapshot!("refusals_and_cancel_english", call.transcript);
    }

    async fn a_retried_webhook_is_answered_once(app: TestApp) {
        let demo = demo(&app);
        let patient = patient_id(&app, &demo.patient_ehr_number);
        let dental = dental(&demo);
        let mut call = Call::dial(&app, CALLER).await;
        identify(&mut call, "2", &demo, &demo.patient_access_key).await;
        call.press("1").await;
        call.press(&dental).await;
        call.press("2").await;
        call.press("1").await;
        let first = call.last_twiml.clone();
        assert!(call.said().contains("Done."), "{}", call.said());
        let given = consents::history(&mut app.conn(), &patient).unwrap().len();
        let audit_size = audit::count(&mut app.conn()).unwrap();
        // Twilio did not get our answer in time and sends the same webhook again.
        assert_eq!(call.replay_last().await, first);
        assert_eq!(call.replay_last().await, first);
        assert_eq!(consents::history(&mut app.conn(), &patient).unwrap().len(), given);
        assert_eq!(audit::count(&mut app.conn()).unwrap(), audit_size);
        // The call goes on from where it was.
        call.press("9").await;
        assert!(call.said().contains("Goodbye"), "{}", call.said());
    }
}
