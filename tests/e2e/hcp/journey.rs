//! The whole counter journey: UA creates an HCProf -> TOTP enrolment -> sign in with a
//! code computed from the enrolment secret -> identity verification -> access-key consent
//! -> view records (allowed types only) -> audit entry, hash chain, notification jobs ->
//! revoke -> view refused and audited.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use diesel::prelude::*;
use ehealth_core::db::audit::AuditEntry;
use ehealth_core::db::schema::{audit_log, notification_jobs};
use serde_json::json;

use super::helpers::*;

fn audit_entry(app: &crate::support::TestApp, seq: i64) -> AuditEntry {
    audit_log::table
        .find(seq)
        .select(AuditEntry::as_select())
        .first(&mut app.conn())
        .expect("audit entry")
}

fn jobs_of_event(app: &crate::support::TestApp, event_id: &str) -> Vec<(String, String)> {
    notification_jobs::table
        .filter(notification_jobs::dedupe_key.like(format!("{event_id}:%")))
        .select((notification_jobs::job_type, notification_jobs::channel))
        .load(&mut app.conn())
        .expect("jobs")
}

both_backends! {
    async fn counter_journey_from_account_to_refused_view(app: TestApp) {
        demo(&app);
        let admin = clinic_admin(&app).await;
        let (nurse_id, nurse, secret) = professional(&app, &admin, "nurse.lee", "nurse").await;

        // A code is accepted once only.
        let next = code(&secret, 1);
        let (status, body) = sign_in_raw(&app, Some(&clinic()), "nurse.lee", PASSWORD, &next).await;
        assert_eq!(status, 201, "{body}");
        let (status, body) = sign_in_raw(&app, Some(&clinic()), "nurse.lee", PASSWORD, &next).await;
        assert_eq!(status, 401, "{body}");
        // Answered as any wrong try: a used code must not confirm the password (issue 11).
        assert_eq!(body["error"]["code"], "wrong_credentials");

        let (ehr, key) = registered_patient(&app, &nurse, "B987654(0)").await;
        assert_eq!(ehr.len(), 12);
        let (status, consent) = key_consent(&app, &nurse, &ehr, &key, "give").await;
        assert_eq!(status, 200, "{consent}");
        assert_eq!(consent["channel"], "access_key");
        assert_eq!(consent["actor_kind"], "hcprof");
        // The app's shape too (one JSON shape for a consent in every answer).
        assert_eq!(consent["given_by"], "hcprof");
        assert_eq!(consent["hcp_id"], consent["provider_id"]);
        assert_eq!(consent["in_force"], true);
        assert!(consent["provider_name_en"].as_str().is_some_and(|n| !n.is_empty()), "{consent}");

        share(&app, &nurse, &ehr, "allergies_adrs",
            json!({"resourceType": "AllergyIntolerance", "code": {"text": "penicillin"}})).await;
        share(&app, &nurse, &ehr, "clinical_notes", json!({"resourceType": "Composition", "title": "note"})).await;

        // A nurse's row has allergies but not clinical notes: only allergies come back.
        let (status, seen) = view(&app, &nurse, &ehr, &["allergies_adrs", "clinical_notes"], "assessing an allergy").await;
        assert_eq!(status, 200, "{seen}");
        assert_eq!(seen["granted"], json!(["allergies_adrs"]));
        assert_eq!(seen["withheld"][0]["reason"], "not_permitted_for_profession");
        let records = seen["records"].as_array().unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0]["document"]["resourceType"], "AllergyIntolerance");

        let seq = seen["audit_seq"].as_i64().unwrap();
        let entry = audit_entry(&app, seq);
        assert_eq!((entry.event.as_str(), entry.outcome.as_str()), ("record_view", "granted"));
        assert_eq!(entry.actor_id.as_deref(), Some(nurse_id.as_str()));
        assert_eq!(entry.provider_id.as_deref(), Some(clinic().as_str()));
        assert_eq!(entry.profession, Some(ehealth_core::domain::Profession::Nurse));
        assert!(entry.patient_id.is_some());
        assert_eq!(entry.data_types, "allergies_adrs,clinical_notes");
        assert_eq!(entry.purpose.as_deref(), Some("reason:assessing an allergy"));
        let mut jobs = jobs_of_event(&app, &format!("view:{seq}"));
        jobs.sort();
        assert_eq!(jobs, vec![
            ("record_accessed".to_owned(), "email".to_owned()),
            ("record_accessed".to_owned(), "sms".to_owned()),
        ]);

        let office = office(&app).await;
        let signer = app.services.config.audit.signer().unwrap();
        ehealth_core::actions::sequencer::drain(&mut app.conn(), &signer, 1_000).unwrap();
        let (status, report) = get(&app, "/v1/admin/audit/verify", &office).await;
        assert_eq!(status, 200);
        assert_eq!(report["intact"], true, "{report}");
        let entries = ehealth_core::db::audit::count(&mut app.conn()).unwrap();
        assert_eq!(report["tree_size"].as_i64(), Some(entries), "{report}");

        let (status, revoked) = key_consent(&app, &nurse, &ehr, &key, "revoke").await;
        assert_eq!(status, 200, "{revoked}");
        assert_eq!(revoked["status"], "revoked");
        let (status, refused) = view(&app, &nurse, &ehr, &["allergies_adrs"], "follow-up").await;
        assert_eq!(status, 403);
        assert_eq!(refused["error"]["code"], "no_sharing_consent");
        let (_, log) = get(&app, &format!("/v1/admin/audit?ehr_number={ehr}&event=record_view"), &office).await;
        let newest = &log["entries"][0];
        assert_eq!(newest["outcome"], "refused");
        assert_eq!(newest["reason"], "no_sharing_consent");
        assert_eq!(newest["actor_id"], nurse_id.as_str());
        assert!(newest["seq"].as_i64().unwrap() > seq);
        assert!(jobs_of_event(&app, &format!("view:{}", newest["seq"])).is_empty(), "a refusal notifies no one");
    }

    async fn a_pending_application_is_completed_at_the_counter_with_consent(app: TestApp) {
        use ehealth_core::actions::{application, registration::Particulars};
        use ehealth_core::actions::{code_requests::RequestLimits, codes::CodePolicy};
        use ehealth_core::db::applications;
        use ehealth_core::domain::{ApplicationStatus, Language, NotificationMeans, Sex};
        use ehealth_core::ids::IdentityDocument;
        demo(&app);
        let admin = clinic_admin(&app).await;
        let (_, nurse, _) = professional(&app, &admin, "nurse.ho", "nurse").await;
        let particulars = Particulars {
            document: IdentityDocument::parse("hkic", "C668668(9)", None).unwrap(),
            name_en: ehealth_core::domain::PersonName::parse_english("HO, Ka Yan").unwrap(), name_zh: None,
            date_of_birth: chrono::NaiveDate::from_ymd_opt(1975, 3, 3).unwrap(),
            sex: Sex::Female, mobile: ehealth_core::domain::MobileNumber::parse("+85261234567").unwrap(), email: None, postal_address: None,
            language: Language::English, means: vec![NotificationMeans::Sms],
        };
        let now = chrono::Utc::now();
        let security = &app.services.config.security;
        let (policy, limits) = (CodePolicy::of(security), RequestLimits::of(security));
        let (app_row, _) = application::apply(&mut app.conn(), &app.services.hasher, &policy, &limits, "127.0.0.1", &particulars, now).unwrap();
        // The mobile was verified in the app (the patient app's flow).
        assert!(applications::transition(&mut app.conn(), &app_row.id, ApplicationStatus::PendingMobileVerification,
            ApplicationStatus::PendingIdentityVerification, None, ehealth_core::db::to_db(now)).unwrap());
        let number = particulars.document.number().to_owned();

        let mut body = json!({
            "application_id": app_row.id, "id_document": {"type": "hkic", "number": "A123456(3)"},
            "verified_by": "document_checked", "contact_confirmed": true, "consent": {"type": "indefinite"},
        });
        let (status, err) = post(&app, "/v1/hcp/identity-verifications", Some(&nurse), body.clone()).await;
        assert_eq!(status, 400, "another person's document is refused: {err}");
        assert_eq!(err["error"]["field"], "id_document");

        body["id_document"]["number"] = json!(number);
        let (status, done) = post(&app, "/v1/hcp/identity-verifications", Some(&nurse), body.clone()).await;
        assert_eq!(status, 201, "{done}");
        assert_eq!(done["access_key"].as_str().unwrap().len(), 8);
        assert_eq!(done["consent"]["type"], "indefinite");
        assert_eq!(done["consent"]["channel"], "form");
        let (status, again) = post(&app, "/v1/hcp/identity-verifications", Some(&nurse), body).await;
        assert_eq!(status, 409, "{again}");
    }

    async fn a_view_whose_notifications_cannot_be_queued_leaves_no_trace(app: TestApp) {
        use diesel::connection::SimpleConnection;
        let summary = demo(&app);
        let ehr = summary.patient_ehr_number.clone();
        let admin = clinic_admin(&app).await;
        let (_, nurse, _) = professional(&app, &admin, "nurse.tx", "nurse").await;
        // Make queueing a record_accessed job fail inside the database.
        let sql = match app.backend() {
            ehealth_core::db::Backend::Sqlite => "CREATE TRIGGER no_jobs BEFORE INSERT ON notification_jobs \
                WHEN NEW.job_type = 'record_accessed' BEGIN SELECT RAISE(ABORT, 'queue down'); END;",
            ehealth_core::db::Backend::Postgres => "CREATE FUNCTION no_jobs() RETURNS trigger LANGUAGE plpgsql AS $$ \
                BEGIN RAISE EXCEPTION 'queue down'; END; $$; \
                CREATE TRIGGER no_jobs BEFORE INSERT ON notification_jobs FOR EACH ROW \
                WHEN (NEW.job_type = 'record_accessed') EXECUTE FUNCTION no_jobs();",
        };
        app.conn().batch_execute(sql).unwrap();
        let before: i64 = audit_log::table.count().get_result(&mut app.conn()).unwrap();
        let (status, body) = view(&app, &nurse, &ehr, &["allergies_adrs"], "care").await;
        assert_eq!((status, body["error"]["code"].as_str()), (500, Some("internal_error")), "{body}");
        let after: i64 = audit_log::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(after, before, "the access was not logged without its notifications");
        let office = office(&app).await;
        let (_, report) = get(&app, "/v1/admin/audit/verify", &office).await;
        assert_eq!(report["intact"], true);
    }
}
