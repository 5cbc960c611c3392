//! The voice line for a substitute decision maker (issue 14): the SDM presses 2 at the
//! first identification prompt, keys their own six HKIC digits and date of birth, the eHR
//! number of the patient they act for, and the code sent to their own mobile; then the
//! patient's menu, every act recorded with the SDM as the actor. A missing, ended or
//! suspended link hears what any wrong identification hears and counts the same.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use chrono::{NaiveDate, Utc};
use ehealth_core::db::sdm::{self, SdmLink, SubstituteDecisionMaker};
use ehealth_core::db::{attempts, audit, consents, jobs, new_id, patients, to_db};

use super::call::{demo, dental, identify, ivr_tests, second_ivr, Call};
use crate::app::helpers::last_code;
use crate::support::TestApp;

const SDM_BIRTH_DATE: &str = "06051970";

/// An SDM with HKIC `letter` + `digits` + check character and `mobile`, linked to the demo
/// patient with `link` (`active`, `suspended`, `ended`) or not at all (`None`).
fn sdm_with(app: &TestApp, ehr: &str, digits: &str, mobile: &str, link: Option<&str>) -> String {
    let mut conn = app.conn();
    let patient = patients::find_by_ehr_number(&mut conn, ehr)
        .unwrap()
        .unwrap();
    let now = Utc::now();
    let maker = SubstituteDecisionMaker {
        id: ehealth_core::ids::SdmId::generate(),
        id_doc_key: format!("hkic:D{digits}1"),
        name_en: "LEE, Mei".into(),
        name_zh: None,
        date_of_birth: NaiveDate::from_ymd_opt(1970, 5, 6).unwrap(),
        mobile: mobile.into(),
        email: None,
        created_at: to_db(now),
        language: ehealth_core::domain::Language::English,
    };
    sdm::insert(&mut conn, &maker).unwrap();
    if let Some(state) = link {
        let ended = state == "ended";
        sdm::insert_link(
            &mut conn,
            &SdmLink {
                id: new_id(),
                sdm_id: maker.id.clone(),
                patient_id: patient.id,
                basis: ehealth_core::rules::sdm::Basis::LackingCapacity,
                relationship: "family_member".into(),
                valid_from: to_db(now),
                ended_at: ended.then(|| to_db(now)),
                status: if state == "suspended" {
                    ehealth_core::domain::SdmLinkStatus::Suspended
                } else {
                    ehealth_core::domain::SdmLinkStatus::Active
                },
                documents: "[]".into(),
                ended_reason: ended.then_some(ehealth_core::domain::SdmEndReason::EndedByOffice),
            },
        )
        .unwrap();
    }
    maker.id.into()
}

/// Identifies as the SDM with `digits`, for the patient `ehr`, up to (and including) the
/// code sent to `mobile`; `None` keys a wrong code.
async fn identify_as_sdm(
    app: &TestApp,
    call: &mut Call<'_>,
    language: &str,
    digits: &str,
    ehr: &str,
    mobile: Option<&str>,
) {
    call.press(language).await;
    call.press("2").await;
    call.press_as(digits, "<SDM HKIC digits>").await;
    call.press(SDM_BIRTH_DATE).await;
    call.press_as(ehr, "<patient eHR number>").await;
    let code = match mobile {
        Some(mobile) => last_code(app, mobile),
        None => "000000".to_owned(),
    };
    call.press_as(&code, "<code>").await;
}

fn caller_failures(app: &TestApp, caller: &str) -> u32 {
    attempts::load(&mut app.conn(), &format!("caller:{caller}"))
        .unwrap()
        .map_or(0, |s| s.failures)
}

ivr_tests! {
    async fn an_sdm_gives_and_revokes_consent_in_three_languages(app: TestApp) {
        let demo = demo(&app);
        let patient = patients::find_by_ehr_number(&mut app.conn(), &demo.patient_ehr_number)
            .unwrap()
            .unwrap()
            .id;
        // One SDM per language (several SDMs per patient): a second code to one mobile
        // within a minute is not sent, as in the app.
        let sdms: Vec<(String, String, String)> = (1..=3)
            .map(|n| {
                let digits = format!("12345{n}");
                let mobile = format!("+8526666000{n}");
                let id = sdm_with(&app, &demo.patient_ehr_number, &digits, &mobile, Some("active"));
                (digits, mobile, id)
            })
            .collect();
        let dental = dental(&demo);
        let menu_words = ["如要給予或續期", "To give or renew", "如要给予或续期"];
        let done_words = ["已完成。閣下的互通同意已經記錄", "Done. Your sharing consent is revoked", "已完成。您的互通同意已经记录"];
        for (i, language) in ["1", "2", "3"].into_iter().enumerate() {
            let caller = format!("+8529100000{i}");
            let (digits, mobile, sdm_id) = &sdms[i];
            let mut call = Call::dial(&app, &caller).await;
            identify_as_sdm(&app, &mut call, language, digits, &demo.patient_ehr_number, Some(mobile)).await;
            assert!(call.said().contains(menu_words[i]), "{language}: {}", call.said());
            let giving = i != 1;
            call.press(if giving { "1" } else { "2" }).await;
            call.press(&dental).await;
            if giving {
                call.press("1").await;
            }
            call.press("1").await;
            let said = call.said();
            assert!(said.contains(done_words[i]), "{language}: {said}");
            call.press("9").await;
            assert!(call.hung_up());
            let current = consents::current(&mut app.conn(), &patient, &dental).unwrap();
            if giving {
                let current = current.expect("given");
                assert_eq!(current.channel.as_str(), "ivr");
                assert_eq!(current.actor_kind.as_str(), "sdm", "{language}");
                assert_eq!(current.actor_id.as_deref(), Some(sdm_id.as_str()));
            } else {
                let history = consents::history(&mut app.conn(), &patient).unwrap();
                let revoked = history.iter().find(|c| c.status.as_str() == "revoked").expect("revoked");
                assert_eq!(revoked.ended_channel.map(|c| c.as_str()), Some("ivr"));
                assert!(current.is_none(), "revoked in English");
            }
        }
        let entries = audit::for_patient(&mut app.conn(), &patient, None, 500).unwrap();
        // The three newest consent acts (the demo seed gave one before).
        let acts: Vec<_> = entries
            .iter()
            .filter(|e| e.event == ehealth_core::domain::AuditAction::ConsentGiven || e.event == ehealth_core::domain::AuditAction::ConsentRevoked)
            .take(3)
            .collect();
        assert_eq!(
            acts.iter().map(|e| e.event.as_str()).collect::<Vec<_>>(),
            ["consent_given", "consent_revoked", "consent_given"]
        );
        for (entry, (_, _, sdm_id)) in acts.iter().rev().zip(&sdms) {
            assert_eq!(entry.actor_kind.as_str(), "sdm");
            assert_eq!(entry.actor_id.as_deref(), Some(sdm_id.as_str()), "{}", entry.event);
        }
        // The patient's messages name the SDM who acted.
        let named = jobs::for_patient(&mut app.conn(), &patient)
            .unwrap()
            .into_iter()
            .filter(|j| j.job_type == "consent_given" || j.job_type == "consent_revoked")
            .map(|j| serde_json::from_str::<serde_json::Value>(&j.payload).unwrap())
            .filter(|p| p["facts"]["acted_by_sdm"] == "LEE, Mei")
            .count();
        assert!(named >= 3, "every message names the SDM ({named})");
        ehealth_core::testing::assert_log_verifies(&mut app.conn());
    }

    async fn an_sdm_without_an_active_link_hears_a_wrong_identification(app: TestApp) {
        let demo = demo(&app);
        sdm_with(&app, &demo.patient_ehr_number, "234567", "+85266660002", Some("ended"));
        sdm_with(&app, &demo.patient_ehr_number, "345678", "+85266660003", Some("suspended"));
        sdm_with(&app, &demo.patient_ehr_number, "456789", "+85266660004", None);
        sdm_with(&app, &demo.patient_ehr_number, "567890", "+85266660005", Some("active"));

        // What a patient with a wrong key hears.
        let patient_caller = "+85292000000";
        let mut call = Call::dial(&app, patient_caller).await;
        identify(&mut call, "2", &demo, "12345678").await;
        let wrong = call.said();
        assert!(wrong.contains("do not match"), "{wrong}");
        assert_eq!(caller_failures(&app, patient_caller), 1);

        // Ended, suspended, no link, and an active SDM with a wrong code: the same words,
        // each a wrong identity of the caller; the third ends the call as for a patient.
        let cases = [
            ("234567", Some("+85266660002")),
            ("345678", Some("+85266660003")),
            ("456789", Some("+85266660004")),
        ];
        let caller = "+85292000001";
        let mut call = Call::dial(&app, caller).await;
        call.press("2").await;
        for (n, (digits, mobile)) in cases.into_iter().enumerate() {
            call.press("2").await;
            call.press_as(digits, "<SDM HKIC digits>").await;
            call.press(SDM_BIRTH_DATE).await;
            call.press_as(&demo.patient_ehr_number, "<patient eHR number>").await;
            assert!(call.said().contains("we have sent a 6-digit code"), "{}", call.said());
            let code = last_code(&app, mobile.unwrap());
            call.press_as(&code, "<code>").await;
            assert_eq!(caller_failures(&app, caller), u32::try_from(n).unwrap() + 1);
            if n < 2 {
                assert_eq!(call.said(), wrong, "{digits}: the same words as a wrong key");
            } else {
                assert!(call.said().contains("do not match"), "{}", call.said());
                assert!(call.hung_up(), "three wrong identities end the call");
            }
        }

        // An active SDM with a wrong code, and a right code for a patient they do not act
        // for (an unknown eHR number), are refused alike.
        let caller = "+85292000002";
        let mut call = Call::dial(&app, caller).await;
        identify_as_sdm(&app, &mut call, "2", "567890", &demo.patient_ehr_number, None).await;
        assert_eq!(call.said(), wrong, "wrong code");
        call.press("2").await;
        call.press_as("567890", "<SDM HKIC digits>").await;
        call.press(SDM_BIRTH_DATE).await;
        call.press_as("000000000000", "<another eHR number>").await;
        assert!(call.said().contains("we have sent"), "{}", call.said());
        let code = last_code(&app, "+85266660005");
        call.press_as(&code, "<code>").await;
        assert_eq!(call.said(), wrong, "not their patient");
        assert_eq!(caller_failures(&app, caller), 2);
        ehealth_core::testing::assert_log_verifies(&mut app.conn());
    }

    async fn concurrent_copies_of_an_sdm_code_identify_once(app: TestApp) {
        let demo = demo(&app);
        sdm_with(&app, &demo.patient_ehr_number, "678901", "+85266660006", Some("active"));
        let bases = vec![app.ivr.clone(), second_ivr(&app)];
        let caller = "+85292000003";
        let mut call = Call::dial(&app, caller).await;
        call.press("2").await;
        call.press("2").await;
        call.press_as("678901", "<SDM HKIC digits>").await;
        call.press(SDM_BIRTH_DATE).await;
        // The code request in copies: one code is sent.
        let answers = call.press_in_copies(&demo.patient_ehr_number, 6, &bases).await;
        for (status, body) in &answers {
            assert_eq!(*status, 200, "{body}");
            assert_eq!(body, &answers[0].1, "every copy gets the same answer");
        }
        let code = last_code(&app, "+85266660006");
        let answers = call.press_in_copies(&code, 6, &bases).await;
        for (status, body) in &answers {
            assert_eq!(*status, 200, "{body}");
            assert_eq!(body, &answers[0].1, "every copy gets the same answer");
        }
        assert!(call.said().contains("To give or renew"), "{}", call.said());
        assert_eq!(caller_failures(&app, caller), 0, "the code was checked once");
        let identified = audit::for_patient(
            &mut app.conn(),
            &patients::find_by_ehr_number(&mut app.conn(), &demo.patient_ehr_number)
                .unwrap()
                .unwrap()
                .id,
            None,
            500,
        )
        .unwrap()
        .into_iter()
        .filter(|e| e.reason.as_deref() == Some("ivr_sdm_identified"))
        .count();
        assert_eq!(identified, 1, "identified once");
    }
}
