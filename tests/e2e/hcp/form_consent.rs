//! Consent recorded from a signed form (or a smart HKIC read) needs what proves the patient
//! was there: the identity document checked, which must be the patient's, and for a form
//! the scanned form's number and SHA-256. The patient is told how to revoke if it was not
//! them, and the Office lists a provider's form consents for audit.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use diesel::prelude::*;
use ehealth_core::db::schema::{form_consents, notification_jobs as nj, sharing_consents as sc};
use ehealth_core::domain::{Language, Notification, NotificationKind};
use serde_json::{json, Value};

use super::helpers::*;
use crate::support::TestApp;

const HKIC: &str = "B987654(0)";
const OTHER_HKIC: &str = "A1234563";

fn body(ehr: &str, hkic: &str, sha: &str) -> Value {
    json!({
        "ehr_number": ehr, "type": "one_year",
        "id_document": { "type": "hkic", "number": hkic },
        "form": { "document_number": "HV-2026-0042", "sha256": sha },
    })
}

fn sha(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

async fn nurse_and_patient(app: &TestApp) -> (String, String) {
    demo(app);
    let admin = clinic_admin(app).await;
    let (_, nurse, _) = professional(app, &admin, "nurse.form", "nurse").await;
    let (ehr, _) = registered_patient(app, &nurse, HKIC).await;
    (nurse, ehr)
}

both_backends! {
    async fn a_form_consent_needs_the_patients_document_and_the_scanned_form(app: TestApp) {
        let (nurse, ehr) = nurse_and_patient(&app).await;
        let form = "/v1/hcp/consents/form";
        let form_consents = |app: &TestApp| -> i64 {
            sc::table.filter(sc::channel.eq("form")).count().get_result(&mut app.conn()).unwrap()
        };
        let before = form_consents(&app); // the demo's own
        // Knowing the eHR number is not enough.
        let (status, answer) = post(&app, form, Some(&nurse), json!({"ehr_number": ehr, "type": "one_year"})).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("invalid_input")), "{answer}");
        assert!(answer["error"]["message"].as_str().unwrap().contains("id_document"), "{answer}");
        // Another person's document.
        let (status, answer) = post(&app, form, Some(&nurse), body(&ehr, OTHER_HKIC, &sha(1))).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (403, Some("id_document_mismatch")), "{answer}");
        // The document but no scanned form; a malformed hash.
        let mut no_form = body(&ehr, HKIC, &sha(1));
        no_form.as_object_mut().unwrap().remove("form");
        let (status, answer) = post(&app, form, Some(&nurse), no_form).await;
        assert_eq!(status, 400, "{answer}");
        assert!(answer["error"]["message"].as_str().unwrap().contains("form"), "{answer}");
        let (status, _) = post(&app, form, Some(&nurse), body(&ehr, HKIC, "not-a-hash")).await;
        assert_eq!(status, 400);
        // A smart HKIC read names an HKIC.
        let (status, _) = post(&app, form, Some(&nurse), json!({"type": "one_year", "channel": "smart_hkic",
            "id_document": {"type": "passport", "number": "K1234567", "place": "GBR"}})).await;
        assert_eq!(status, 400);
        assert_eq!(form_consents(&app), before, "nothing written by a refused request");

        let (status, consent) = post(&app, form, Some(&nurse), body(&ehr, HKIC, &sha(0xAB).to_uppercase())).await;
        assert_eq!(status, 201, "{consent}");
        assert_eq!(consent["channel"], "form");
        // The same without an eHR number: the document finds the patient; the form was used.
        let mut by_document = body(&ehr, HKIC, &sha(0xab));
        by_document.as_object_mut().unwrap().remove("ehr_number");
        let (status, answer) = post(&app, form, Some(&nurse), by_document).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (409, Some("form_already_recorded")), "{answer}");

        // The patient's message says what to do if it was not them.
        let payload: String = nj::table
            .filter(nj::job_type.eq("consent_given").and(nj::channel.eq("sms")))
            .select(nj::payload)
            .first(&mut app.conn())
            .unwrap();
        let notification = Notification::read(NotificationKind::ConsentGiven.as_str(), &payload).unwrap();
        let message = ehealth_notifier::messages::render(&notification, Language::English);
        assert!(message.body.contains("If this was not you, revoke it"), "{}", message.body);

        // The Office audits a provider's form consents; a professional may not.
        let office = office(&app).await;
        let (status, listed) = get(&app, &format!("/v1/admin/form-consents?hcp_id={}", clinic()), &office).await;
        assert_eq!(status, 200, "{listed}");
        let rows = listed["form_consents"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{listed}");
        assert_eq!(rows[0]["consent_id"], consent["id"]);
        assert_eq!(rows[0]["ehr_number"], ehr.as_str());
        assert_eq!(rows[0]["username"], "nurse.form");
        assert_eq!(rows[0]["id_document_type"], "hkic");
        assert_eq!(rows[0]["form_number"], "HV-2026-0042");
        assert_eq!(rows[0]["form_sha256"], sha(0xab).as_str());
        assert_eq!(rows[0]["consent_status"], "active");
        let (status, _) = get(&app, &format!("/v1/admin/form-consents?hcp_id={}", clinic()), &nurse).await;
        assert_eq!(status, 403);
        let (status, answer) = get(&app, "/v1/admin/form-consents?hcp_id=12", &office).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("invalid_input")), "{answer}");
    }

    async fn the_same_form_sent_at_once_is_recorded_once(app: TestApp) {
        let (nurse, ehr) = nurse_and_patient(&app).await;
        let count = |app: &TestApp| -> (i64, i64) {
            let evidence = form_consents::table.count().get_result(&mut app.conn()).unwrap();
            let consents = sc::table.filter(sc::channel.eq("form")).count().get_result(&mut app.conn()).unwrap();
            (evidence, consents)
        };
        let (evidence, consents) = count(&app);
        let tries = (0..4).map(|_| post(&app, "/v1/hcp/consents/form", Some(&nurse), body(&ehr, HKIC, &sha(7))));
        let answers = futures::future::join_all(tries).await;
        let mut statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
        statuses.sort();
        assert_eq!(statuses, [201, 409, 409, 409], "{answers:?}");
        assert_eq!(count(&app), (evidence + 1, consents + 1), "one consent, one evidence row");
    }
}
