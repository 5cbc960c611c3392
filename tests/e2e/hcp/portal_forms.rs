//! The portal's signed-form / smart-HKIC consent and record sharing (issue 18) on both
//! databases: a concurrent double post acts once, bad input is answered in plain words
//! (4xx, never 500), and the same checks as the API's.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use diesel::prelude::*;
use ehealth_core::db::schema::{audit_log, form_consents, shared_records};

use super::helpers::*;
use super::portal_http::{form_id_of, get, post_form, post_twice_at_once, sign_in};
use crate::support::TestApp;

const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

async fn patient_page(app: &TestApp, cookie: &str, ehr: &str) -> String {
    let r = post_form(
        app,
        "/counter/find",
        Some(cookie),
        &[("by", "ehr"), ("number", ehr)],
    )
    .await;
    r.text().await.unwrap()
}

/// Fields posted, the status expected, words the page must say.
type BadInput = (&'static [(&'static str, &'static str)], u16, &'static str);

both_backends! {
    async fn a_signed_form_double_posted_at_once_is_recorded_once(app: TestApp) {
        let summary = demo(&app);
        let ehr = summary.patient_ehr_number.clone();
        let cookie = sign_in(&app, 0).await;
        let page = patient_page(&app, &cookie, &ehr).await;
        assert!(page.contains("id=\"signed-consent\""), "the signed-form consent under the patient: {page}");
        for name in ["channel", "card_data", "doc_type", "doc_number", "doc_place", "form_number", "form_sha256", "type"] {
            assert!(page.contains(&format!("name=\"{name}\"")), "the form posts {name}");
        }
        let id = form_id_of(&page, "signed-consent");
        let pairs = [("ehr_number", ehr.as_str()), ("channel", "form"), ("doc_type", "hkic"), ("doc_number", "A123456(3)"),
            ("form_number", "F-2026-0001"), ("form_sha256", SHA), ("type", "indefinite"), ("form_id", &id)];
        // A double click: the same form, twice at once.
        let texts = post_twice_at_once(&app, "/counter/consent/form", &cookie, &pairs).await;
        assert_eq!(texts.iter().filter(|t| t.contains("Recorded. This clinic's sharing consent: active, indefinite")
            && t.contains("id=\"confirmation\"")).count(), 1, "{texts:?}");
        assert_eq!(texts.iter().filter(|t| t.contains("already sent; it was acted on once")).count(), 1, "{texts:?}");
        let recorded: i64 = form_consents::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(recorded, 1, "one form's evidence");

        // The same scanned form again, on a new page: the core check refuses it in words.
        let page = patient_page(&app, &cookie, &ehr).await;
        let again = [("ehr_number", ehr.as_str()), ("channel", "form"), ("doc_type", "hkic"), ("doc_number", "A123456(3)"),
            ("form_number", "F-2026-0002"), ("form_sha256", SHA), ("type", "one_year"), ("form_id", &form_id_of(&page, "signed-consent"))];
        let r = post_form(&app, "/counter/consent/form", Some(&cookie), &again).await;
        assert_eq!(r.status(), 409);
        let text = r.text().await.unwrap();
        assert!(text.contains("already been recorded at your clinic") && !text.contains("form_already_recorded"), "{text}");
    }

    async fn signed_form_and_card_consent_answer_bad_input_in_plain_words(app: TestApp) {
        let summary = demo(&app);
        let ehr = summary.patient_ehr_number.clone();
        let cookie = sign_in(&app, 0).await;
        let cases: [BadInput; 5] = [
            (&[("channel", "form"), ("doc_type", "hkic"), ("doc_number", "C668668(9)"), ("form_number", "F1"), ("form_sha256", SHA)],
                403, "is not this patient's"),
            (&[("channel", "form"), ("doc_type", "hkic"), ("doc_number", "A123456(3)"), ("form_number", "F1"), ("form_sha256", "abc")],
                400, "SHA-256 (64 hexadecimal characters)"),
            (&[("channel", "form"), ("doc_type", "hkic"), ("doc_number", "A123456(4)"), ("form_number", "F1"), ("form_sha256", SHA)],
                400, "Please check the identity document"),
            (&[("channel", "smart_hkic"), ("card_data", "{not a card")], 400, "smart HKIC read"),
            (&[("channel", "fax")], 400, "way the consent was given"),
        ];
        for (fields, status, words) in cases {
            let page = patient_page(&app, &cookie, &ehr).await;
            let id = form_id_of(&page, "signed-consent");
            let mut pairs = vec![("ehr_number", ehr.as_str()), ("type", "one_year"), ("form_id", id.as_str())];
            pairs.extend_from_slice(fields);
            let r = post_form(&app, "/counter/consent/form", Some(&cookie), &pairs).await;
            assert_eq!(r.status().as_u16(), status, "{fields:?}");
            let text = r.text().await.unwrap();
            assert!(text.contains(words) && text.contains("role=\"alert\""), "{fields:?}: {text}");
        }
        let recorded: i64 = form_consents::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(recorded, 0, "nothing recorded from bad input");

        // The card read, in Chinese: recorded by the smart HKIC channel.
        let page = patient_page(&app, &cookie, &ehr).await;
        let card = r#"{"hkic": "A123456(3)", "name_en": "CHAN, Tai Man", "date_of_birth": "1980-01-01", "sex": "M"}"#;
        let r = post_form_zh(&app, "/counter/consent/form", &cookie, &[("ehr_number", &ehr), ("channel", "smart_hkic"),
            ("card_data", card), ("type", "one_year"), ("form_id", &form_id_of(&page, "signed-consent"))]).await;
        assert_eq!(r.status(), 200);
        let text = r.text().await.unwrap();
        assert!(text.contains("已記錄。本機構的互通同意：有效，一年"), "{text}");
        let channel: String = form_consents::table.select(form_consents::channel).first(&mut app.conn()).unwrap();
        assert_eq!(channel, "smart_hkic");
    }

    async fn a_shared_record_double_posted_at_once_is_shared_once(app: TestApp) {
        let summary = demo(&app);
        let cookie = sign_in(&app, 0).await;
        let page = get(&app, "/counter/share", Some(&cookie)).await.text().await.unwrap();
        assert!(page.contains("id=\"share\"") && page.contains("<textarea"), "{page}");
        let id = form_id_of(&page, "share");
        let document = r#"{"resourceType": "AllergyIntolerance", "code": {"text": "penicillin"}}"#;
        let pairs = [("ehr_number", summary.patient_ehr_number.as_str()), ("data_type", "allergies_adrs"),
            ("document", document), ("form_id", &id)];
        let before: i64 = shared_records::table.count().get_result(&mut app.conn()).unwrap();
        // A double click: the same form, twice at once.
        let texts = post_twice_at_once(&app, "/counter/share", &cookie, &pairs).await;
        assert_eq!(texts.iter().filter(|t| t.contains("Shared: a record of Allergies and adverse drug reactions")).count(), 1, "{texts:?}");
        assert_eq!(texts.iter().filter(|t| t.contains("the record was shared once")).count(), 1, "{texts:?}");
        let after: i64 = shared_records::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(after, before + 1, "one record");
        let audited: i64 = audit_log::table.filter(audit_log::event.eq("record_shared")).count().get_result(&mut app.conn()).unwrap();
        assert_eq!(audited, 1);
    }

    async fn a_document_that_does_not_fit_is_told_in_plain_words(app: TestApp) {
        let summary = demo(&app);
        let ehr = summary.patient_ehr_number.clone();
        let cookie = sign_in(&app, 0).await;
        let before: i64 = shared_records::table.count().get_result(&mut app.conn()).unwrap();
        let cases = [
            ("allergies_adrs", r#"{"resourceType": "Composition"}"#, "must be a FHIR resource of type AllergyIntolerance or AdverseEvent; this document is “Composition”"),
            ("allergies_adrs", "{\"resourceType\":\n \"AllergyIntolerance\",,}", "not valid JSON: the mistake is at line 2, column"),
            ("referrals", "[1, 2]", "must be one FHIR resource"),
            ("referrals", "  ", "Please paste the FHIR R4 JSON document"),
        ];
        for (data_type, document, words) in cases {
            let page = get(&app, "/counter/share", Some(&cookie)).await.text().await.unwrap();
            let r = post_form(&app, "/counter/share", Some(&cookie), &[("ehr_number", &ehr), ("data_type", data_type),
                ("document", document), ("form_id", &form_id_of(&page, "share"))]).await;
            assert_eq!(r.status(), 400, "{document}");
            let text = r.text().await.unwrap();
            assert!(text.contains(words) && text.contains("role=\"alert\""), "{document}: {text}");
        }
        // Named in Chinese too; an unknown data type and a wrong eHR number are 400, not 500.
        let page = get(&app, "/counter/share", Some(&cookie)).await.text().await.unwrap();
        let r = post_form_zh(&app, "/counter/share", &cookie, &[("ehr_number", &ehr), ("data_type", "referrals"),
            ("document", r#"{"resourceType": "Patient"}"#), ("form_id", &form_id_of(&page, "share"))]).await;
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains("「醫療轉介」紀錄須為 FHIR 資源類別 ServiceRequest；此文件為「Patient」"));
        for (ehr, data_type) in [(ehr.as_str(), "horoscope"), ("123", "referrals")] {
            let r = post_form(&app, "/counter/share", Some(&cookie), &[("ehr_number", ehr), ("data_type", data_type),
                ("document", "{}"), ("form_id", &form_id_of(&page, "share"))]).await;
            assert_eq!(r.status(), 400);
            assert!(r.text().await.unwrap().contains("Please check the"));
        }
        // Over the document's limit (48 KB of JSON, under the body's 64 KiB): plain words.
        let big = format!("{{\"resourceType\": \"Observation\", \"note\": \"{}\"}}", "x".repeat(50_000));
        let r = post_form(&app, "/counter/share", Some(&cookie), &[("ehr_number", &ehr), ("data_type", "observations_lifestyle"),
            ("document", &big), ("form_id", &form_id_of(&page, "share"))]).await;
        let status = r.status();
        let text = r.text().await.unwrap();
        assert_eq!(status, 400, "{}", &text[..text.len().min(3000)]);
        assert!(text.contains("too large to share: at most 48 KB"), "{}", &text[..text.len().min(3000)]);
        let shared: i64 = shared_records::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(shared, before, "nothing shared from bad input");
    }
}

/// A form posted by a browser that chose Traditional Chinese.
async fn post_form_zh(
    app: &TestApp,
    path: &str,
    cookie: &str,
    pairs: &[(&str, &str)],
) -> reqwest::Response {
    post_form(
        app,
        path,
        Some(&format!("{cookie}; counter_lang=zh-Hant")),
        pairs,
    )
    .await
}
