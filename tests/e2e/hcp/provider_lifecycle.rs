//! A provider's lifecycle with reasons and effective dates, its documents' expiry, its
//! professionals' registrations, and a record view by identity document (issue 16). The
//! sweeps are the notifier's own (`housekeeping::providers`) with the time passed in, run
//! by two "processes" at once.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use ehealth_core::db::audit::AuditEntry;
use ehealth_core::db::schema::{audit_log, professional_registrations as pr};
use ehealth_core::domain::NotificationKind;
use ehealth_notifier::housekeeping::{self, ProviderSweep};
use serde_json::json;

use super::helpers::*;
use super::providers::{application, approved_provider, day, document, jobs_of, text_of, today};
use crate::support::TestApp;

/// The providers' sweep run by two processes at once at `at`; their results added.
async fn sweep_twice(app: &TestApp, at: DateTime<Utc>) -> ProviderSweep {
    let (a, b) = (app.services.clone(), app.services.clone());
    let one = tokio::task::spawn_blocking(move || housekeeping::providers(&a, at));
    let two = tokio::task::spawn_blocking(move || housekeeping::providers(&b, at));
    let (one, two) = (one.await.unwrap().unwrap(), two.await.unwrap().unwrap());
    ProviderSweep {
        changes_applied: one.changes_applied + two.changes_applied,
        document_reminders: one.document_reminders + two.document_reminders,
        suspended_for_documents: one.suspended_for_documents + two.suspended_for_documents,
        registration_reminders: one.registration_reminders + two.registration_reminders,
    }
}

/// The instant the Hong Kong date is `offset` days from today, at 00:00:01 local time.
fn hong_kong_morning(offset: i64) -> DateTime<Utc> {
    let date = today() + Duration::days(offset);
    date.and_hms_opt(0, 0, 1).unwrap().and_utc() - Duration::hours(8)
}

async fn provider_status(app: &TestApp, office: &str, id: &str) -> String {
    let (status, body) = get(app, &format!("/v1/admin/providers/{id}"), office).await;
    assert_eq!(status, 200, "{body}");
    body["status"].as_str().unwrap().to_owned()
}

fn last_audit(app: &TestApp, event: &str) -> AuditEntry {
    audit_log::table
        .filter(audit_log::event.eq(event))
        .order(audit_log::seq.desc())
        .select(AuditEntry::as_select())
        .first(&mut app.conn())
        .unwrap()
}

both_backends! {
    async fn a_suspension_dated_next_week_takes_effect_on_that_day_and_the_administrators_are_told(app: TestApp) {
        demo(&app);
        let office = office(&app).await;
        let path = format!("/v1/admin/providers/{}/suspend", clinic());
        let reason = "inspection found the clinic's records unsecured";
        let body = json!({ "reason": reason, "effective_on": day(7) });
        // Sent twice at once: one change scheduled, the other refused.
        let (a, b) = tokio::join!(post(&app, &path, Some(&office), body.clone()), post(&app, &path, Some(&office), body.clone()));
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
        let scheduled = if a.0 == 200 { a.1 } else { b.1 };
        assert_eq!((scheduled["status"].as_str(), scheduled["change"]["state"].as_str()), (Some("registered"), Some("scheduled")), "{scheduled}");
        let told = jobs_of(&app, NotificationKind::ProviderStatusScheduled);
        assert!(told.iter().any(|(j, p)| j.channel == "email" && p["destination"] == "admin@harbourview.example"));
        assert!(told.iter().any(|(j, _)| j.channel == "post"));

        // Bad input: a past date, no reason, a withdrawal without its received date.
        for bad in [json!({"reason": reason, "effective_on": day(-1)}), json!({"reason": " "}), json!({"reason": reason, "effective_on": "next week"})] {
            let (status, body) = post(&app, &format!("/v1/admin/providers/{}/cancel", clinic()), Some(&office), bad).await;
            assert_eq!(status, 400, "{body}");
        }
        let (status, body) = post(&app, &format!("/v1/admin/providers/{}/withdraw", clinic()), Some(&office), json!({"reason": "closing"})).await;
        assert_eq!((status, body["error"]["field"].as_str()), (400, Some("received_on")), "{body}");

        // The day before, nothing; on the day (two sweepers), once.
        let before = sweep_twice(&app, hong_kong_morning(6)).await;
        assert_eq!(before.changes_applied, 0);
        assert_eq!(provider_status(&app, &office, &clinic()).await, "registered");
        let on_the_day = sweep_twice(&app, hong_kong_morning(7)).await;
        assert_eq!(on_the_day.changes_applied, 1);
        assert_eq!(provider_status(&app, &office, &clinic()).await, "suspended");
        let changed = jobs_of(&app, NotificationKind::ProviderStatusChanged);
        let emails: Vec<_> = changed.iter().filter(|(j, _)| j.channel == "email").collect();
        assert_eq!(emails.len(), 1, "one email per administrator");
        assert_eq!(emails[0].1["destination"], "admin@harbourview.example");
        let text = text_of(NotificationKind::ProviderStatusChanged, &emails[0].1);
        assert!(text.contains(reason) && text.contains(&day(7)) && text.contains("suspended"), "{text}");
        assert!(changed.iter().any(|(j, _)| j.channel == "post"));
        let entry = last_audit(&app, "provider_status_changed");
        assert_eq!((entry.actor_kind.as_str(), entry.reason.as_deref()), ("system", Some("suspend")));
        assert!(entry.details.contains(reason));

        // The provider's withdrawal request, received yesterday, effective today.
        let (status, body) = post(&app, &format!("/v1/admin/providers/{}/withdraw", clinic()), Some(&office),
            json!({"reason": "the clinic closes", "received_on": day(-1)})).await;
        assert_eq!((status, body["status"].as_str()), (200, Some("withdrawn")), "{body}");
        assert_eq!(body["change"]["received_on"], day(-1));
    }

    async fn an_expired_supporting_document_suspends_the_provider_after_reminders(app: TestApp) {
        demo(&app);
        let office = office(&app).await;
        let form = application("Harbour Family Clinic", "medical_clinic", &[document("medical_clinic_registration", Some(45))]);
        let (provider, _) = approved_provider(&app, &office, form).await;
        // 45 days left: the 60-day reminder; 25 days left: the 30-day one; each once.
        assert_eq!(sweep_twice(&app, hong_kong_morning(0)).await.document_reminders, 1);
        assert_eq!(sweep_twice(&app, hong_kong_morning(1)).await.document_reminders, 0);
        assert_eq!(sweep_twice(&app, hong_kong_morning(20)).await.document_reminders, 1);
        let reminders = jobs_of(&app, NotificationKind::ProviderDocumentExpiring);
        assert_eq!(reminders.iter().filter(|(j, _)| j.channel == "email").count(), 2);
        let text = text_of(NotificationKind::ProviderDocumentExpiring, &reminders[0].1);
        assert!(text.contains("Certificate of Registration of Medical Clinic") && text.contains(&day(45)), "{text}");
        // Its last day is still valid; the day after, suspended, with the reason.
        assert_eq!(sweep_twice(&app, hong_kong_morning(45)).await.suspended_for_documents, 0);
        assert_eq!(provider_status(&app, &office, &provider).await, "registered");
        assert_eq!(sweep_twice(&app, hong_kong_morning(46)).await.suspended_for_documents, 1);
        assert_eq!(provider_status(&app, &office, &provider).await, "suspended");
        let changed = jobs_of(&app, NotificationKind::ProviderStatusChanged);
        let email = changed.iter().find(|(j, _)| j.channel == "email").expect("administrator told");
        let text = text_of(NotificationKind::ProviderStatusChanged, &email.1);
        assert!(text.contains("Certificate of Registration of Medical Clinic") && text.contains("expired"), "{text}");
        let entry = last_audit(&app, "provider_document_expired");
        assert_eq!(entry.provider_id.as_deref(), Some(provider.as_str()));
    }

    async fn a_renewed_document_recorded_by_the_office_keeps_the_provider_registered(app: TestApp) {
        demo(&app);
        let office = office(&app).await;
        let form = application("Harbour Family Clinic", "medical_clinic", &[document("medical_clinic_registration", Some(10))]);
        let (provider, _) = approved_provider(&app, &office, form).await;
        let (status, body) = post(&app, &format!("/v1/admin/providers/{provider}/documents"), Some(&office),
            json!({"documents": [document("medical_clinic_registration", Some(400))]})).await;
        assert_eq!(status, 200, "{body}");
        let documents = body["documents"].as_array().unwrap();
        assert_eq!(documents.len(), 2);
        assert_eq!(documents.iter().filter(|d| d["replaced_by"].is_null()).count(), 1, "the old one is replaced");
        let sweep = sweep_twice(&app, hong_kong_morning(11)).await;
        assert_eq!((sweep.document_reminders, sweep.suspended_for_documents), (0, 0));
        assert_eq!(provider_status(&app, &office, &provider).await, "registered");
        assert_eq!(last_audit(&app, "provider_documents_recorded").provider_id.as_deref(), Some(provider.as_str()));
    }

    async fn an_hcprof_whose_registration_expired_is_refused_with_its_own_reason_until_renewed(app: TestApp) {
        let summary = demo(&app);
        let admin = clinic_admin(&app).await;
        let (status, account) = post(&app, "/v1/hcp/accounts", Some(&admin), json!({
            "username": "dr.ho", "display_name": "Dr HO Ka Ming", "password": PASSWORD,
            "profession": "medical_practitioner", "registration_number": "M54321",
            "registration_expires_on": day(10),
        })).await;
        assert_eq!(status, 201, "{account}");
        let id = account["id"].as_str().unwrap().to_owned();
        let (_, enrol) = post(&app, &format!("/v1/hcp/accounts/{id}/totp"), Some(&admin), json!({})).await;
        let doctor = sign_in(&app, Some(&clinic()), "dr.ho", PASSWORD, enrol["secret"].as_str().unwrap()).await;
        let ehr = summary.patient_ehr_number.clone();
        let (status, body) = view(&app, &doctor, &ehr, &["allergies_adrs"], "follow-up").await;
        assert_eq!(status, 200, "{body}");

        // The user administrator is reminded once, within 30 days of the expiry.
        assert_eq!(sweep_twice(&app, hong_kong_morning(0)).await.registration_reminders, 1);
        assert_eq!(sweep_twice(&app, hong_kong_morning(1)).await.registration_reminders, 0);
        let reminder = jobs_of(&app, NotificationKind::RegistrationExpiring);
        let email = reminder.iter().find(|(j, _)| j.channel == "email").unwrap();
        assert_eq!(email.1["destination"], "admin@harbourview.example");
        assert!(text_of(NotificationKind::RegistrationExpiring, &email.1).contains("M54321"));

        // Expired (as if its last day were yesterday): refused, with its own reason, audited.
        diesel::update(pr::table.find(&id))
            .set(pr::expires_on.eq(today() - Duration::days(1)))
            .execute(&mut app.conn())
            .unwrap();
        let (status, body) = view(&app, &doctor, &ehr, &["allergies_adrs"], "follow-up").await;
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("professional_registration_expired")), "{body}");
        let entry = last_audit(&app, "record_view");
        assert_eq!((entry.outcome.as_str(), entry.reason.as_deref()), ("refused", Some("professional_registration_expired")));
        assert_eq!(entry.actor_id.as_deref(), Some(id.as_str()));

        // A past expiry cannot be recorded; the renewal restores access at once.
        let path = format!("/v1/hcp/accounts/{id}/registration");
        let r = app.client.put(format!("{}{path}", app.api)).bearer_auth(&admin).json(&json!({"expires_on": day(-1)})).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 400);
        let r = app.client.put(format!("{}{path}", app.api)).bearer_auth(&admin).json(&json!({"expires_on": day(365), "registration_number": "M54321-R"})).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let renewed: serde_json::Value = r.json().await.unwrap();
        assert_eq!((renewed["registration_expires_on"].as_str(), renewed["registration_number"].as_str()), (Some(day(365).as_str()), Some("M54321-R")));
        let (status, body) = view(&app, &doctor, &ehr, &["allergies_adrs"], "follow-up").await;
        assert_eq!(status, 200, "{body}");
    }

    async fn a_record_view_by_hkic_is_granted_audited_and_notified_like_one_by_ehr_number(app: TestApp) {
        let summary = demo(&app);
        let doctor = sign_in(&app, Some(&clinic()), "drchan", ehealth_core::actions::demo::DEMO_PASSWORD, ehealth_core::actions::demo::DEMO_TOTP_SECRET).await;
        let by_hkic = |hkic: &str| json!({ "id_document": {"type": "hkic", "number": hkic}, "purpose": {"reason": "follow-up"}, "data_types": ["allergies_adrs"] });
        let (status, seen) = post(&app, "/v1/hcp/record-views", Some(&doctor), by_hkic("a123456(3)")).await;
        assert_eq!(status, 200, "{seen}");
        let seq = seen["audit_seq"].as_i64().unwrap();
        let entry: AuditEntry = audit_log::table.find(seq).select(AuditEntry::as_select()).first(&mut app.conn()).unwrap();
        assert_eq!((entry.event.as_str(), entry.outcome.as_str()), ("record_view", "granted"));
        assert!(entry.patient_id.is_some());
        let details: serde_json::Value = serde_json::from_str(&entry.details).unwrap();
        assert_eq!((details["looked_up_by"].as_str(), details["id_document_type"].as_str()), (Some("id_document"), Some("hkic")));
        let notified = jobs_of(&app, NotificationKind::RecordAccessed);
        assert!(notified.iter().any(|(j, _)| j.dedupe_key.starts_with(&format!("view:{seq}:"))), "the patient is told");
        // The eHR number path records which was used too.
        let (status, seen) = view(&app, &doctor, &summary.patient_ehr_number, &["allergies_adrs"], "follow-up").await;
        assert_eq!(status, 200, "{seen}");
        let entry: AuditEntry = audit_log::table.find(seen["audit_seq"].as_i64().unwrap()).select(AuditEntry::as_select()).first(&mut app.conn()).unwrap();
        assert!(entry.details.contains("\"looked_up_by\":\"ehr_number\""), "{}", entry.details);

        // No oracle: an unknown HKIC is answered as a participant without consent is.
        let (_, nurse, _) = professional(&app, &clinic_admin(&app).await, "nurse.ip", "nurse").await;
        registered_patient(&app, &nurse, "B987654(0)").await;
        let (s1, unconsented) = post(&app, "/v1/hcp/record-views", Some(&doctor), by_hkic("B987654(0)")).await;
        let (s2, unknown) = post(&app, "/v1/hcp/record-views", Some(&doctor), by_hkic("C123456(9)")).await;
        assert_eq!((s1, s2), (403, 403));
        assert_eq!(unconsented, unknown, "the same answer");
        assert_eq!(unknown["error"]["code"], "no_sharing_consent");
        let entry = last_audit(&app, "record_view");
        assert_eq!(entry.reason.as_deref(), Some("patient_not_registered"), "the audit keeps the true reason");
        // Exactly one of the two.
        let both = json!({ "ehr_number": summary.patient_ehr_number, "id_document": {"type": "hkic", "number": "A123456(3)"}, "purpose": {"reason": "x"}, "data_types": ["allergies_adrs"] });
        let (status, body) = post(&app, "/v1/hcp/record-views", Some(&doctor), both).await;
        assert_eq!(status, 400, "{body}");
    }
}
