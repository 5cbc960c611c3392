//! The eHR portal's handlers (issue 18) over plain HTTP on both databases: finding a
//! patient (audited, throttled), both languages, hostile names escaped, the cross-site
//! check on every new form, the idle timeout, exactly-once consent on a double submit, and
//! nothing without sign-in. The browser walk is `scripts/counter-browser-test.sh`.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use diesel::prelude::*;
use ehealth_core::actions::demo::{DEMO_PASSWORD, DEMO_TOTP_SECRET};
use ehealth_core::db::schema::{accounts, audit_log};

use super::helpers::*;
use super::portal_http::{client, encode, form_id_in, get, post_form, post_twice_at_once, sign_in};
use crate::support::TestApp;

fn lookups(app: &TestApp) -> Vec<(String, Option<String>)> {
    audit_log::table
        .filter(audit_log::event.eq("patient_lookup"))
        .order(audit_log::seq.asc())
        .select((audit_log::outcome, audit_log::reason))
        .load(&mut app.conn())
        .unwrap()
}

both_backends! {
    async fn finding_a_patient_tells_state_consent_and_visible_types_and_is_audited(app: TestApp) {
        let summary = demo(&app);
        let cookie = sign_in(&app, 0).await;
        let r = post_form(&app, "/counter/find", Some(&cookie), &[("by", "ehr"), ("number", &summary.patient_ehr_number)]).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store");
        let text = r.text().await.unwrap();
        assert!(text.contains("Registered with eHealth"), "{text}");
        let grouped = format!("{} {} {}", &summary.patient_ehr_number[0..4], &summary.patient_ehr_number[4..8], &summary.patient_ehr_number[8..]);
        assert!(text.contains(&grouped), "the eHR number grouped: {text}");
        assert!(text.contains("id=\"visible-types\""), "{text}");
        assert!(text.contains("Allergies and adverse drug reactions"), "a medical practitioner sees allergies: {text}");
        assert!(text.contains("id=\"consent\"") && text.contains(&format!("value=\"{}\"", summary.patient_ehr_number)),
            "the access-key form comes with the patient filled in");

        // The same patient by HKIC, typed as people write it.
        let r = post_form(&app, "/counter/find", Some(&cookie), &[("by", "hkic"), ("number", "a123456(3)")]).await;
        assert!(r.text().await.unwrap().contains("Registered with eHealth"));

        // A pending applicant: applied in the app and verified the mobile.
        crate::app::helpers::apply_and_verify(&app, "C668668(9)", "+85291234567").await;
        let r = post_form(&app, "/counter/find", Some(&cookie), &[("by", "hkic"), ("number", "C668668(9)")]).await;
        let text = r.text().await.unwrap();
        assert!(text.contains("identity verification is pending"), "{text}");
        assert!(!text.contains("id=\"consent\""), "no consent form for an applicant");
        assert!(text.contains("id=\"verify\""), "but the identity verification form");

        let r = post_form(&app, "/counter/find", Some(&cookie), &[("by", "hkic"), ("number", "K123456(0)")]).await;
        assert!(r.text().await.unwrap().contains("Not registered"));
        let r = post_form(&app, "/counter/find", Some(&cookie), &[("by", "hkic"), ("number", "K123456(1)")]).await;
        assert_eq!(r.status(), 400);
        let text = r.text().await.unwrap();
        assert!(text.contains("Please check the identity document") && !text.contains("invalid_input"), "{text}");

        let audited = lookups(&app);
        let reasons: Vec<_> = audited.iter().map(|(o, r)| (o.as_str(), r.as_deref().unwrap_or(""))).collect();
        assert_eq!(reasons, [("succeeded", "registered"), ("succeeded", "registered"),
            ("succeeded", "pending_verification"), ("failed", "patient_not_found")]);
    }

    async fn lookups_that_find_nobody_are_throttled(app: TestApp) {
        demo(&app);
        let cookie = sign_in(&app, 0).await;
        let max = app.services.config.security.account_max_failures;
        for _ in 0..max {
            let r = post_form(&app, "/counter/find", Some(&cookie), &[("by", "hkic"), ("number", "K123456(0)")]).await;
            assert_eq!(r.status(), 200);
        }
        // Now even a real patient is not looked up for a while.
        let r = post_form(&app, "/counter/find", Some(&cookie), &[("by", "hkic"), ("number", "A123456(3)")]).await;
        assert_eq!(r.status(), 429);
        let text = r.text().await.unwrap();
        assert!(text.contains("Too many tries") && !text.contains("Registered"), "{text}");
        assert_eq!(lookups(&app).last().unwrap(), &("locked".to_owned(), Some("staff_throttled".to_owned())));
    }

    async fn the_portal_speaks_traditional_chinese_when_chosen_and_remembers_it(app: TestApp) {
        let summary = demo(&app);
        let r = post_form(&app, "/counter/language", None, &[("lang", "zh-Hant"), ("back", "/counter/find")]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/counter/find");
        let lang = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
        assert_eq!(lang, "counter_lang=zh-Hant");
        let text = get(&app, "/counter", Some(&lang)).await.text().await.unwrap();
        assert!(text.contains("<html lang=\"zh-Hant\">") && text.contains("登入") && text.contains(">English</button>"), "{text}");
        // Anywhere else than a portal page is not a place to come back to.
        let r = post_form(&app, "/counter/language", None, &[("lang", "en"), ("back", "https://evil.example/")]).await;
        assert_eq!(r.headers()["location"], "/counter");

        let session = sign_in(&app, 0).await;
        let both = format!("{session}; {lang}");
        let r = post_form(&app, "/counter/consent", Some(&both), &[("ehr_number", &summary.patient_ehr_number),
            ("access_key", &wrong_key(&summary.patient_access_key)), ("action", "renew"), ("type", "one_year"),
            ("form_id", &form_id_in(&get(&app, "/counter/consent", Some(&both)).await.text().await.unwrap()))]).await;
        assert_eq!(r.status(), 403);
        let text = r.text().await.unwrap();
        assert!(text.contains("存取密碼不正確。再錯 4 次便會鎖上。"), "{text}");
        let r = post_form(&app, "/counter/consent", Some(&both), &[("ehr_number", &summary.patient_ehr_number),
            ("access_key", &summary.patient_access_key), ("action", "renew"), ("type", "one_year"),
            ("form_id", &form_id_in(&text))]).await;
        let text = r.text().await.unwrap();
        assert!(text.contains("有效至") && text.contains("（香港時間）"), "a date as Chinese writes it: {text}");
        assert!(text.contains("病人會經短訊"), "the confirmation is named: {text}");
    }

    async fn hostile_names_and_input_are_escaped(app: TestApp) {
        demo(&app);
        diesel::update(accounts::table.filter(accounts::username.eq("drchan")))
            .set(accounts::display_name.eq("<script>alert(1)</script>\"'&"))
            .execute(&mut app.conn()).unwrap();
        let cookie = sign_in(&app, 0).await;
        for path in ["/counter/find", "/counter/consent"] {
            let text = get(&app, path, Some(&cookie)).await.text().await.unwrap();
            assert!(!text.contains("<script>alert"), "{path}: {text}");
            assert!(text.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;'&amp;"), "{path}: {text}");
        }
        let r = post_form(&app, "/counter/consent", Some(&cookie), &[("ehr_number", "\"><img src=x onerror=alert(1)>"),
            ("access_key", "1"), ("action", "give"), ("type", "one_year"), ("form_id", &"a".repeat(43))]).await;
        assert_eq!(r.status(), 400);
        let text = r.text().await.unwrap();
        assert!(!text.contains("<img src=x"), "{text}");
        assert!(text.contains("value=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\""), "{text}");
        let r = post_form(&app, "/counter/sign-in", None, &[("hcp_id", &clinic()), ("username", "<b>x</b>"),
            ("password", "p"), ("totp_code", "000000")]).await;
        let text = r.text().await.unwrap();
        assert!(!text.contains("<b>x</b>") && text.contains("&lt;b&gt;x&lt;/b&gt;"), "{text}");
    }

    async fn an_oversized_or_control_character_post_is_refused_with_a_page_not_json(app: TestApp) {
        demo(&app);
        let cookie = sign_in(&app, 0).await;
        let document = "x".repeat(70 * 1024);
        let nul = "a\u{0}b";
        for (pairs, words) in [
            (vec![("ehr_number", "382837182486"), ("data_type", "allergies_adrs"), ("document", document.as_str())], "too long"),
            (vec![("hcp_id", "000010017"), ("username", nul), ("password", "p"), ("totp_code", "000000")], "too long"),
        ] {
            let r = post_form(&app, "/counter/share", Some(&cookie), &pairs).await;
            assert!(r.status().is_client_error(), "{}", r.status());
            let kind = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
            assert!(kind.starts_with("text/html"), "{kind}");
            let text = r.text().await.unwrap();
            assert!(text.contains(words) && text.starts_with("<!DOCTYPE html>"), "{text}");
        }
        // The API keeps its JSON error for the same refusal.
        let r = client().post(format!("{}/v1/hcp/sessions", app.api))
            .header("Content-Type", "application/json")
            .body(format!("{{\"username\": \"{}\"}}", "x".repeat(70 * 1024))).send().await.unwrap();
        assert!(r.status().is_client_error());
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["error"]["code"].is_string(), "{body}");
    }

    async fn every_portal_form_refuses_a_post_from_another_site(app: TestApp) {
        let summary = demo(&app);
        let cookie = sign_in(&app, 0).await;
        let forms: [(&str, Vec<(&str, &str)>); 3] = [
            ("/counter/find", vec![("by", "ehr"), ("number", &summary.patient_ehr_number)]),
            ("/counter/language", vec![("lang", "zh-Hant"), ("back", "/counter/find")]),
            ("/counter/consent", vec![("ehr_number", &summary.patient_ehr_number), ("access_key", &summary.patient_access_key),
                ("action", "revoke"), ("type", "one_year"), ("form_id", "a")]),
        ];
        for (path, pairs) in &forms {
            let r = client().post(format!("{}{path}", app.api)).header("Cookie", &cookie)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", "https://evil.example").body(encode(pairs)).send().await.unwrap();
            assert_eq!(r.status(), 403, "{path}");
            assert!(r.headers().get("set-cookie").is_none(), "{path}");
            assert!(r.text().await.unwrap().contains("must be sent from the eHR portal"), "{path}");
        }
        assert!(lookups(&app).is_empty(), "a forged lookup is not made");
        let text = post_form(&app, "/counter/find", Some(&cookie), &[("by", "ehr"), ("number", &summary.patient_ehr_number)])
            .await.text().await.unwrap();
        assert!(text.contains("This clinic holds sharing consent"), "the forged revoke did nothing: {text}");
    }

    async fn nothing_without_sign_in(app: TestApp) {
        let summary = demo(&app);
        for path in ["/counter/find", "/counter/consent"] {
            let r = get(&app, path, None).await;
            assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/counter"), "{path}");
            let r = get(&app, path, Some("counter_session=not-a-session")).await;
            assert_eq!(r.headers()["location"], "/counter?ended=1", "{path}");
        }
        let r = post_form(&app, "/counter/find", None, &[("by", "ehr"), ("number", &summary.patient_ehr_number)]).await;
        assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/counter"));
        assert!(lookups(&app).is_empty());
        let r = post_form(&app, "/counter/consent", None, &[("ehr_number", &summary.patient_ehr_number),
            ("access_key", &summary.patient_access_key), ("action", "revoke"), ("type", "one_year"), ("form_id", &"b".repeat(43))]).await;
        assert_eq!(r.status(), 303);
        let cookie = sign_in(&app, 0).await;
        let text = post_form(&app, "/counter/find", Some(&cookie), &[("by", "ehr"), ("number", &summary.patient_ehr_number)])
            .await.text().await.unwrap();
        assert!(text.contains("This clinic holds sharing consent"), "not revoked: {text}");
    }

    async fn a_double_submitted_consent_form_acts_once(app: TestApp) {
        let summary = demo(&app);
        let cookie = sign_in(&app, 0).await;
        let page = get(&app, "/counter/consent", Some(&cookie)).await.text().await.unwrap();
        let form_id = form_id_in(&page);
        let pairs = [("ehr_number", summary.patient_ehr_number.as_str()), ("access_key", &summary.patient_access_key),
            ("action", "revoke"), ("type", "one_year"), ("form_id", &form_id)];
        // A double click: the same form, twice at once.
        let texts = post_twice_at_once(&app, "/counter/consent", &cookie, &pairs).await;
        assert_eq!(texts.iter().filter(|t| t.contains("Done. This clinic's sharing consent: revoked")).count(), 1, "{texts:?}");
        assert_eq!(texts.iter().filter(|t| t.contains("already sent; it was acted on once")
            && t.contains("now: revoked")).count(), 1, "{texts:?}");
        let revoked: i64 = audit_log::table.filter(audit_log::event.eq("consent_revoked"))
            .count().get_result(&mut app.conn()).unwrap();
        assert_eq!(revoked, 1, "one revocation");
        // Sent again later (the browser's resend), still nothing more.
        let r = post_form(&app, "/counter/consent", Some(&cookie), &pairs).await;
        assert!(r.text().await.unwrap().contains("already sent"));
        // A form that the page did not render is refused, not acted on.
        let r = post_form(&app, "/counter/consent", Some(&cookie), &[("ehr_number", &summary.patient_ehr_number),
            ("access_key", &summary.patient_access_key), ("action", "give"), ("type", "one_year"), ("form_id", "")]).await;
        assert_eq!(r.status(), 400);
    }
}

/// Identity verification, walk-in registration and the record view.
mod registration_and_records {
    use super::*;

    both_backends! {
        async fn a_walk_in_and_a_pending_applicant_are_registered_on_the_portal(app: TestApp) {
            demo(&app);
            let cookie = sign_in(&app, 0).await;
            let page = get(&app, "/counter/register", Some(&cookie)).await.text().await.unwrap();
            // A smart HKIC read (the reader's JSON), contact details typed, consent in the step.
            let card = r#"{"hkic": "K123456(0)", "name_en": "LEE, Ka Yan", "name_zh": "李家欣", "date_of_birth": "1985-07-01", "sex": "F"}"#;
            let walk_in = [("card_data", card), ("doc_type", "hkic"), ("doc_number", ""), ("mobile", "+85291112222"),
                ("language", "zh-Hant"), ("notify_sms", "yes"), ("contact_confirmed", "yes"), ("consent", "indefinite"),
                ("form_id", &form_id_in(&page))];
            let r = post_form(&app, "/counter/register", Some(&cookie), &walk_in).await;
            assert_eq!(r.status(), 200);
            let text = r.text().await.unwrap();
            assert!(text.contains("Registration is complete") && text.contains("access key has been sent to them by SMS"), "{text}");
            assert!(text.contains("This clinic's sharing consent: active, indefinite"), "{text}");
            // The double click: the same form again registers nobody twice.
            let again = post_form(&app, "/counter/register", Some(&cookie), &walk_in).await.text().await.unwrap();
            assert!(again.contains("already sent"), "{again}");
            let channel: String = ehealth_core::db::schema::sharing_consents::table
                .select(ehealth_core::db::schema::sharing_consents::channel)
                .filter(ehealth_core::db::schema::sharing_consents::consent_type.eq("indefinite"))
                .first(&mut app.conn()).unwrap();
            assert_eq!(channel, "smart_hkic");

            // Without a card read, the document must be ticked as checked in person.
            let page = get(&app, "/counter/register", Some(&cookie)).await.text().await.unwrap();
            let typed = [("doc_type", "hkic"), ("doc_number", "Z654321(A)"), ("name_en", "HO, Man"), ("date_of_birth", "1970-01-31"),
                ("sex", "M"), ("mobile", "+85291113333"), ("language", "en"), ("notify_sms", "yes"), ("contact_confirmed", "yes"),
                ("form_id", &form_id_in(&page))];
            let r = post_form(&app, "/counter/register", Some(&cookie), &typed).await;
            assert_eq!(r.status(), 400);
            let text = r.text().await.unwrap();
            assert!(text.contains("document check") && text.contains("value=\"HO, Man\""), "the typed particulars stay: {text}");

            // A pending applicant, found by HKIC and verified with the document checked.
            crate::app::helpers::apply_and_verify(&app, "C668668(9)", "+85291234567").await;
            let found = post_form(&app, "/counter/find", Some(&cookie), &[("by", "hkic"), ("number", "C668668(9)")]).await.text().await.unwrap();
            let at = found.find("name=\"application_id\" value=\"").unwrap() + 29;
            let application_id = found[at..].split('"').next().unwrap().to_owned();
            let r = post_form(&app, "/counter/verify", Some(&cookie), &[("application_id", &application_id), ("doc_type", "hkic"),
                ("doc_number", "C668668(9)"), ("document_checked", "yes"), ("contact_confirmed", "yes"), ("consent", "one_year"),
                ("form_id", &form_id_in(&found))]).await;
            let status = r.status();
            let text = r.text().await.unwrap();
            assert_eq!(status, 200, "{text}");
            assert!(text.contains("Registration is complete") && text.contains("id=\"ehr\""), "{text}");
            assert!(text.contains("one year, until"), "{text}");
            let found = post_form(&app, "/counter/find", Some(&cookie), &[("by", "hkic"), ("number", "C668668(9)")]).await.text().await.unwrap();
            assert!(found.contains("Registered with eHealth"), "{found}");
        }

        async fn the_record_view_shows_allowed_records_and_withholds_a_restricted_type(app: TestApp) {
            let summary = demo(&app);
            let token = crate::hcp::helpers::sign_in(&app, Some(&clinic()), "drchan", DEMO_PASSWORD, DEMO_TOTP_SECRET).await;
            let ehr = summary.patient_ehr_number.clone();
            share(&app, &token, &ehr, "allergies_adrs", serde_json::json!({"resourceType": "AllergyIntolerance", "code": {"text": "<b>penicillin</b>"}})).await;
            share(&app, &token, &ehr, "clinical_notes", serde_json::json!({"resourceType": "Composition", "title": "note"})).await;
            let cookie = sign_in(&app, 1).await;
            let page = get(&app, "/counter/records", Some(&cookie)).await.text().await.unwrap();
            let mut view = vec![("ehr_number", ehr.as_str()), ("purpose", "reason"), ("form_id", ""),
                ("reason", "follow-up of last week's chest pain")];
            view.extend(["allergies_adrs", "clinical_notes"].map(|t| ("data_type", t)));
            let id = form_id_in(&page);
            view[2].1 = &id;
            let r = post_form(&app, "/counter/records", Some(&cookie), &view).await;
            assert_eq!(r.status(), 200);
            assert_eq!(r.headers()["cache-control"], "no-store");
            let text = r.text().await.unwrap();
            assert!(text.contains("Access granted and logged") && text.contains("&lt;b&gt;penicillin&lt;/b&gt;"), "{text}");
            assert!(text.contains("Clinical notes and summaries: restricted: needs the patient's approval"), "{text}");
            let again = post_form(&app, "/counter/records", Some(&cookie), &view).await.text().await.unwrap();
            assert!(again.contains("already sent") && !again.contains("penicillin"), "a repeat is not a second view: {again}");
            let views: i64 = audit_log::table.filter(audit_log::event.eq("record_view")).count().get_result(&mut app.conn()).unwrap();
            assert_eq!(views, 1);

            let r = post_form(&app, "/counter/approval", Some(&cookie), &[("ehr_number", &ehr), ("data_type", "clinical_notes"),
                ("reason", "follow-up"), ("form_id", &form_id_in(&text[text.find("id=\"approval\"").unwrap()..]))]).await;
            assert_eq!(r.status(), 200);
            let text = r.text().await.unwrap();
            assert!(text.contains("request was sent") && text.contains("waiting for the patient's answer"), "{text}");

            // Without consent, the refusal in plain words.
            let page = get(&app, "/counter/consent", Some(&cookie)).await.text().await.unwrap();
            post_form(&app, "/counter/consent", Some(&cookie), &[("ehr_number", &ehr), ("access_key", &summary.patient_access_key),
                ("action", "revoke"), ("type", "one_year"), ("form_id", &form_id_in(&page))]).await;
            let id = form_id_in(&get(&app, "/counter/records", Some(&cookie)).await.text().await.unwrap());
            view[2].1 = &id;
            let r = post_form(&app, "/counter/records", Some(&cookie), &view).await;
            assert_eq!(r.status(), 403);
            assert!(r.text().await.unwrap().contains("holds no sharing consent from this patient: take consent first"));
        }
    }
}

mod idle {
    use ehealth_core::db::Backend;

    use super::*;

    async fn start(backend: Backend) -> Option<TestApp> {
        TestApp::start_with(backend, |c| c.api.portal_idle_secs = 3).await
    }

    /// Activity keeps the session; three seconds without a request ends it.
    async fn the_session_ends_after_inactivity(app: TestApp) {
        demo(&app);
        let cookie = sign_in(&app, 0).await;
        for _ in 0..3 {
            tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
            let r = get(&app, "/counter/find", Some(&cookie)).await;
            assert_eq!(r.status(), 200, "each request restarts the idle count");
        }
        tokio::time::sleep(std::time::Duration::from_millis(4000)).await;
        let r = get(&app, "/counter/find", Some(&cookie)).await;
        assert_eq!(
            (
                r.status().as_u16(),
                r.headers()["location"].to_str().unwrap()
            ),
            (303, "/counter?ended=1")
        );
        let text = get(&app, "/counter?ended=1", Some(&cookie))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            text.contains("Your session ended after a time without activity"),
            "{text}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        the_session_ends_after_inactivity(start(Backend::Sqlite).await.expect("sqlite")).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = start(Backend::Postgres).await {
            the_session_ends_after_inactivity(app).await;
        }
    }
}
