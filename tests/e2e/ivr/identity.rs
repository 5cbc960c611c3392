//! Who is calling: identification, wrong entries, lockout, and new access keys.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use chrono::Utc;
use ehealth_core::db::audit::{self, NewAuditEntry};
use ehealth_core::db::{access_keys, jobs, patients, write_tx};
use ehealth_core::domain::{AuditAction, AuditOutcome};
use ehealth_core::ids::PatientId;
use serde_json::Value;

use super::call::{self, demo, identify, ivr_tests, Call, CALLER, DEMO_BIRTH_DATE};
use crate::support::TestApp;

fn patient_id(app: &TestApp, ehr: &str) -> PatientId {
    patients::find_by_ehr_number(&mut app.conn(), ehr)
        .unwrap()
        .expect("patient")
        .id
}

/// The newest job of `kind` for the patient, its payload parsed.
fn newest_job(app: &TestApp, patient: &PatientId, kind: &str, channel: &str) -> Option<Value> {
    jobs::for_patient(&mut app.conn(), patient)
        .unwrap()
        .into_iter()
        .filter(|j| j.job_type == kind && j.channel == channel)
        .max_by_key(|j| j.created_at)
        .map(|j| {
            // Secrets are sealed in the job; open them as the notifier does.
            let mut payload = serde_json::from_str(&j.payload).unwrap();
            ehealth_core::seal::open_job_secrets(app.services.hasher.sealer(), &mut payload)
                .unwrap();
            payload
        })
}

fn wrong_key(right: &str) -> String {
    let first = if right.starts_with('1') { '2' } else { '1' };
    format!("{first}{}", &right[1..])
}

ivr_tests! {
    async fn a_new_access_key_replaces_the_old_one_at_once(app: TestApp) {
        let demo = demo(&app);
        let patient = patient_id(&app, &demo.patient_ehr_number);
        let mut call = Call::dial(&app, CALLER).await;
        identify(&mut call, "1", &demo, &demo.patient_access_key).await;
        call.press("3").await;
        assert!(call.said().contains("新的存取鑰匙會即時取代"), "{}", call.said());
        call.press("1").await;
        assert!(call.said().contains("新的存取鑰匙正發送給閣下"), "{}", call.said());
        call.press("9").await;
        insta::assert_snapshot!("new_access_key_cantonese", call.transcript);
        let job = newest_job(&app, &patient, "access_key_issued", "sms").expect("new key sent");
        let new_key = job["facts"]["access_key"].as_str().unwrap().to_owned();
        assert_ne!(new_key, demo.patient_access_key);
        // The old key no longer identifies the caller; the new one does.
        let mut call = Call::dial(&app, CALLER).await;
        identify(&mut call, "2", &demo, &demo.patient_access_key).await;
        assert!(call.said().contains("do not match our records"), "{}", call.said());
        let mut call = Call::dial(&app, CALLER).await;
        identify(&mut call, "2", &demo, &new_key).await;
        assert!(call.said().contains("To give or renew sharing consent"), "{}", call.said());
    }

    async fn a_forgotten_key_is_replaced_with_a_code_sent_by_sms(app: TestApp) {
        let demo = demo(&app);
        let patient = patient_id(&app, &demo.patient_ehr_number);
        let mut call = Call::dial(&app, CALLER).await;
        call.press("3").await;
        call.press_as(&demo.patient_ehr_number, "<eHR number>").await;
        call.press(DEMO_BIRTH_DATE).await;
        call.press("0").await;
        assert!(call.said().contains("验证码发送到您登记的手机号码"), "{}", call.said());
        let sms = newest_job(&app, &patient, "verification_code", "sms").expect("code sent");
        let code = sms["facts"]["code"].as_str().unwrap().to_owned();
        let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
        call.press_as(&wrong, "<wrong code>").await;
        assert!(call.said().contains("不符"), "{}", call.said());
        // After a wrong code the caller starts again and asks for a fresh code.
        call.press_as(&demo.patient_ehr_number, "<eHR number>").await;
        call.press(DEMO_BIRTH_DATE).await;
        call.press("0").await;
        let sms = newest_job(&app, &patient, "verification_code", "sms").expect("code sent");
        let fresh = sms["facts"]["code"].as_str().unwrap().to_owned();
        call.press_as(&fresh, "<code>").await;
        assert!(call.said().contains("新的存取钥匙会立即取代"), "straight to a new key: {}", call.said());
        call.press("1").await;
        assert!(call.hung_up(), "a code only lets the caller make a new key");
        insta::assert_snapshot!("new_key_by_code_putonghua", call.transcript);
        let job = newest_job(&app, &patient, "access_key_issued", "sms").expect("new key sent");
        let key = job["facts"]["access_key"].as_str().unwrap();
        let record = access_keys::current(&mut app.conn(), &patient).unwrap().unwrap();
        assert_eq!(record.issued_channel, ehealth_core::domain::AccessKeyChannel::Ivr);
        assert!(app.services.hasher.verify(key, &record.key_hash).unwrap());
        // A used code does not work twice.
        let mut again = Call::dial(&app, CALLER).await;
        again.press("3").await;
        again.press_as(&demo.patient_ehr_number, "<eHR number>").await;
        again.press(DEMO_BIRTH_DATE).await;
        again.press("0").await;
        again.press_as(&fresh, "<used code>").await;
        assert!(again.said().contains("不符"), "{}", again.said());
    }

    async fn three_wrong_inputs_end_the_call_politely(app: TestApp) {
        let demo = demo(&app);
        let mut call = Call::dial(&app, CALLER).await;
        call.press("7").await;
        assert!(call.said().contains("did not receive a valid entry"), "{}", call.said());
        call.press("*").await;
        assert!(!call.hung_up(), "star repeats the menu without counting a try");
        call.silence().await;
        assert!(!call.hung_up());
        call.press("8").await;
        assert!(call.hung_up());
        assert!(call.said().contains("Please call again later. Goodbye."), "{}", call.said());
        insta::assert_snapshot!("three_wrong_inputs", call.transcript);
        // In a chosen language, a malformed eHR number or date is asked again in it.
        let mut call = Call::dial(&app, CALLER).await;
        call.press("1").await;
        call.press("1234").await;
        assert!(call.said().contains("對不起，我們未能接收有效的輸入"), "{}", call.said());
        call.press("123456789013").await;
        assert!(!call.hung_up(), "a wrong check digit is asked again");
        call.press("000").await;
        assert!(call.hung_up());
        assert!(call.said().contains("請稍後再致電"), "{}", call.said());
        let mut call = Call::dial(&app, CALLER).await;
        call.press("2").await;
        call.press_as(&demo.patient_ehr_number, "<eHR number>").await;
        call.press("31022000").await;
        assert!(call.said().contains("did not receive a valid entry"), "31 February: {}", call.said());
        call.press("0101").await;
        call.press("99999999").await;
        assert!(call.hung_up());
        // A call that has ended only says goodbye, whatever arrives.
        let late = call::post_as_twilio(&app, &call.last_path.replace("n=", "n=9"), &call.last_request).await;
        let twiml = late.text().await.unwrap();
        assert!(twiml.contains("<Hangup/>"), "{twiml}");
    }

    async fn wrong_access_keys_lock_the_key_and_the_patient_is_told(app: TestApp) {
        let demo = demo(&app);
        let patient = patient_id(&app, &demo.patient_ehr_number);
        let wrong = wrong_key(&demo.patient_access_key);
        let mut call = Call::dial(&app, CALLER).await;
        identify(&mut call, "1", &demo, &wrong).await;
        for _ in 2..=3 {
            assert!(!call.hung_up());
            call.press_as(&demo.patient_ehr_number, "<eHR number>").await;
            call.press(DEMO_BIRTH_DATE).await;
            call.press_as(&wrong, "<access key>").await;
        }
        assert!(call.hung_up(), "three wrong identities end the call");
        assert!(call.said().contains("閣下輸入的資料與我們的紀錄不符"), "{}", call.said());
        insta::assert_snapshot!("wrong_key_three_times_cantonese", call.transcript);
        assert!(newest_job(&app, &patient, "access_key_locked", "sms").is_none());
        // A second call from another number: the fifth wrong key locks it.
        let mut call = Call::dial(&app, "+85290000001").await;
        identify(&mut call, "2", &demo, &wrong).await;
        assert!(call.said().contains("do not match"), "{}", call.said());
        call.press_as(&demo.patient_ehr_number, "<eHR number>").await;
        call.press(DEMO_BIRTH_DATE).await;
        call.press_as(&wrong, "<access key>").await;
        assert!(call.said().contains("your access key has been locked"), "{}", call.said());
        assert!(call.hung_up());
        insta::assert_snapshot!("key_locked_english", call.transcript);
        let told = newest_job(&app, &patient, "access_key_locked", "sms").expect("patient told");
        assert_eq!(told["patient_id"], patient.as_str());
        // Even the right key is refused now.
        let mut call = Call::dial(&app, CALLER).await;
        identify(&mut call, "2", &demo, &demo.patient_access_key).await;
        assert!(call.said().contains("your access key has been locked"), "{}", call.said());
        let entries = audit::for_patient(&mut app.conn(), &patient, None, 100).unwrap();
        assert!(entries.iter().any(|e| e.reason.as_deref() == Some("access_key_locked_now") && e.actor_kind == ehealth_core::domain::ActorKind::Caller));
        assert_eq!(entries.iter().filter(|e| e.event == ehealth_core::domain::AuditAction::AccessKeyAttempt && e.outcome == ehealth_core::domain::AuditOutcome::Failed).count(), 4);
    }

    async fn a_wrong_birth_date_counts_against_the_patient_and_the_caller(app: TestApp) {
        let demo = demo(&app);
        let patient = patient_id(&app, &demo.patient_ehr_number);
        let mut call = Call::dial(&app, "+85290000002").await;
        call.press("2").await;
        call.press_as(&demo.patient_ehr_number, "<eHR number>").await;
        call.press("02011980").await;
        call.press_as(&demo.patient_access_key, "<right access key>").await;
        assert!(call.said().contains("do not match"), "a right key with a wrong birth date: {}", call.said());
        let key = access_keys::current(&mut app.conn(), &patient).unwrap().unwrap();
        assert_eq!(key.failed_attempts, 1);
        let counter = ehealth_core::db::attempts::load(&mut app.conn(), "caller:+85290000002").unwrap().unwrap();
        assert_eq!(counter.failures, 1);
    }

    async fn a_caller_number_is_throttled_after_too_many_wrong_identities(app: TestApp) {
        let demo = demo(&app);
        let mut seed = 0;
        let mut call = Call::dial(&app, "+85290000003").await;
        call.press("2").await;
        // Ten wrong identities (unknown eHR numbers) from one number, over four calls.
        for failure in 1..=10 {
            if call.hung_up() {
                call = Call::dial(&app, "+85290000003").await;
                call.press("2").await;
            }
            seed += 1;
            call.press_as(&unknown_ehr_number(seed), "<unknown eHR number>").await;
            call.press(DEMO_BIRTH_DATE).await;
            call.press_as("12345678", "<access key>").await;
            if failure < 10 {
                assert!(!call.said().contains("cannot be used from your number"), "{}", call.said());
            }
        }
        assert!(call.said().contains("cannot be used from your number for a while"), "{}", call.said());
        assert!(call.hung_up());
        // Now even the right details are refused from that number, and told so.
        let mut call = Call::dial(&app, "+85290000003").await;
        identify(&mut call, "2", &demo, &demo.patient_access_key).await;
        assert!(call.said().contains("cannot be used from your number"), "{}", call.said());
        insta::assert_snapshot!("caller_throttled_english", call.transcript);
        // Another number is not affected.
        let mut call = Call::dial(&app, CALLER).await;
        identify(&mut call, "2", &demo, &demo.patient_access_key).await;
        assert!(call.said().contains("To give or renew"), "{}", call.said());
    }

    async fn a_caller_can_identify_with_hkic_digits(app: TestApp) {
        let demo = demo(&app);
        // The demo patient holds HKIC A123456(3): the caller keys 123456.
        let mut call = Call::dial(&app, CALLER).await;
        call.press("1").await;
        call.press("123456").await;
        call.press(DEMO_BIRTH_DATE).await;
        call.press_as(&demo.patient_access_key, "<access key>").await;
        assert!(call.said().contains("如要給予或續期"), "{}", call.said());
        insta::assert_snapshot!("hkic_digits_cantonese", call.transcript);
        // Other digits, or the right digits with another birth date, identify nobody.
        let mut call = Call::dial(&app, CALLER).await;
        call.press("2").await;
        call.press("654321").await;
        call.press(DEMO_BIRTH_DATE).await;
        call.press_as(&demo.patient_access_key, "<access key>").await;
        assert!(call.said().contains("do not match"), "{}", call.said());
        call.press("123456").await;
        call.press("01011981").await;
        call.press_as(&demo.patient_access_key, "<access key>").await;
        assert!(call.said().contains("do not match"), "{}", call.said());
        let patient = patient_id(&app, &demo.patient_ehr_number);
        let key = access_keys::current(&mut app.conn(), &patient).unwrap().unwrap();
        assert_eq!(key.failed_attempts, 1, "a wrong birth date for these HKIC digits counts on the key");
    }

    async fn codes_sent_to_one_mobile_are_limited(app: TestApp) {
        let demo = demo(&app);
        let patient = patient_id(&app, &demo.patient_ehr_number);
        let codes = |app: &TestApp| {
            jobs::for_patient(&mut app.conn(), &patient).unwrap().into_iter().filter(|j| j.job_type == "verification_code").count()
        };
        let mut call = Call::dial(&app, CALLER).await;
        call.press("2").await;
        for _ in 0..3 {
            if call.hung_up() {
                call = Call::dial(&app, CALLER).await;
                call.press("2").await;
            }
            call.press_as(&demo.patient_ehr_number, "<eHR number>").await;
            call.press(DEMO_BIRTH_DATE).await;
            call.press("0").await;
            call.press_as("000000", "<wrong code>").await;
        }
        assert_eq!(codes(&app), 3);
        let mut call = Call::dial(&app, "+85290000004").await;
        call.press("2").await;
        call.press_as(&demo.patient_ehr_number, "<eHR number>").await;
        call.press(DEMO_BIRTH_DATE).await;
        call.press("0").await;
        assert!(call.said().contains("we have sent a 6-digit code"), "same words: {}", call.said());
        assert_eq!(codes(&app), 3, "a fourth code within the hour is not sent");
        let entries = audit::for_patient(&mut app.conn(), &patient, None, 100).unwrap();
        assert!(entries.iter().any(|e| e.reason.as_deref() == Some("ivr_code_throttled")));
    }

    async fn latest_accesses_are_read_with_provider_names(app: TestApp) {
        let demo = demo(&app);
        let patient = patient_id(&app, &demo.patient_ehr_number);
        let clinic = call::clinic(&demo);
        let mut call = Call::dial(&app, CALLER).await;
        identify(&mut call, "2", &demo, &demo.patient_access_key).await;
        call.press("4").await;
        assert!(call.said().contains("There is no record of any access"), "{}", call.said());
        write_tx(&mut app.conn(), |c| {
            let entry = NewAuditEntry::new(AuditAction::RecordView, call::patient_actor(&patient), AuditOutcome::Granted)
                .patient(&patient)
                .provider(&clinic);
            Ok(audit::append(c, &entry, Utc::now())?)
        }).unwrap();
        call.press("4").await;
        let said = call.said();
        assert!(said.contains("The latest accesses to your record:"), "{said}");
        assert!(said.contains(", Harbour View Medical Centre."), "{said}");
        assert!(said.contains(&Utc::now().with_timezone(&chrono_tz_hk()).format("%Y").to_string()), "{said}");
        call.press("0").await;
        assert!(call.last_twiml.contains(&format!("<Dial>{}</Dial>", call::OPERATOR)), "{}", call.last_twiml);
    }
}

fn chrono_tz_hk() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).unwrap()
}

/// A valid eHR number that nobody holds (Luhn check digit computed here).
fn unknown_ehr_number(seed: u64) -> String {
    let body = format!("{:011}", 90_000_000_000 + seed);
    let sum: u32 = body
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap();
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}
