//! Providers as the booklet describes them (issue 16): an application with its supporting
//! documents, reviewed by the Office, and the first user administrator activating their
//! account; a care home without its practising certificate refused, naming it.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use chrono::{Duration, NaiveDate, Utc};
use diesel::prelude::*;
use ehealth_core::db::jobs::Job;
use ehealth_core::db::schema::{notification_jobs as nj, provider_applications as pa};
use ehealth_core::domain::{Language, Notification, NotificationKind};
use ehealth_core::rules::hong_kong_date;
use ehealth_core::seal::open_job_secrets;
use serde_json::{json, Value};

use super::helpers::*;
use crate::support::TestApp;

pub fn today() -> NaiveDate {
    hong_kong_date(Utc::now())
}

pub fn day(offset: i64) -> String {
    (today() + Duration::days(offset)).to_string()
}

pub fn document(kind: &str, expires_in_days: Option<i64>) -> Value {
    json!({
        "type": kind, "number": format!("{kind}-0001"), "issuing_authority": "Department of Health",
        "expires_on": expires_in_days.map(day), "scan_ref": format!("scan://office/{kind}.pdf"),
    })
}

pub fn application(name: &str, kind: &str, documents: &[Value]) -> Value {
    json!({
        "name_en": name, "name_zh": "港灣診所", "establishment_type": kind,
        "address": "Shop 3, G/F, 18 Harbour Road, Wan Chai, Hong Kong",
        "contact_name": "LEE Ka Yan", "contact_email": "contact@harbour-clinic.example",
        "contact_phone": "+852 2123 4567", "language": "en",
        "administrator": {
            "name": "WONG Siu Ming", "username": "ua.wong", "email": "ua.wong@harbour-clinic.example",
            "profession": "medical_practitioner", "registration_number": "M12345",
            "registration_expires_on": day(400),
        },
        "documents": documents,
    })
}

/// Jobs of `kind`, with their secrets opened as the notifier opens them.
pub fn jobs_of(app: &TestApp, kind: NotificationKind) -> Vec<(Job, Value)> {
    let jobs: Vec<Job> = nj::table
        .filter(nj::job_type.eq(kind.as_str()))
        .order(nj::created_at)
        .select(Job::as_select())
        .load(&mut app.conn())
        .unwrap();
    jobs.into_iter()
        .map(|j| {
            let mut payload: Value = serde_json::from_str(&j.payload).unwrap();
            open_job_secrets(app.services.hasher.sealer(), &mut payload).unwrap();
            (j, payload)
        })
        .collect()
}

/// The text a job's recipient reads.
pub fn text_of(kind: NotificationKind, payload: &Value) -> String {
    let language = Language::parse(payload["language"].as_str().unwrap()).unwrap();
    let notification = Notification::read(kind.as_str(), &payload.to_string()).unwrap();
    ehealth_notifier::messages::render(&notification, language).body
}

fn application_count(app: &TestApp) -> i64 {
    pa::table.count().get_result(&mut app.conn()).unwrap()
}

/// The Office enters a paper application and approves it: (provider id, application).
pub async fn approved_provider(app: &TestApp, office: &str, body: Value) -> (String, Value) {
    let (status, entered) = post(app, "/v1/admin/provider-applications", Some(office), body).await;
    assert_eq!(status, 201, "{entered}");
    let id = entered["id"].as_str().unwrap();
    let (status, decided) = post(
        app,
        &format!("/v1/admin/provider-applications/{id}/approve"),
        Some(office),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{decided}");
    (decided["provider_id"].as_str().unwrap().to_owned(), decided)
}

both_backends! {
    async fn a_clinic_applies_is_asked_for_more_adds_it_is_approved_and_its_administrator_signs_in(app: TestApp) {
        demo(&app);
        let office = office(&app).await;
        let form = application("Harbour Family Clinic", "medical_clinic", &[document("medical_clinic_registration", Some(700))]);
        // The form sent twice at once: the same answer, one application.
        let (first, second) = tokio::join!(
            post(&app, "/v1/hcp/provider-applications", None, form.clone()),
            post(&app, "/v1/hcp/provider-applications", None, form.clone()),
        );
        assert_eq!((first.0, second.0), (202, 202), "{first:?} {second:?}");
        assert_eq!(first.1, second.1, "a copy is answered as a new one");
        assert!(first.1.get("reference").is_none(), "the reference goes by email only");
        assert_eq!(application_count(&app), 1);

        // The reference and the secret reached the contact's email (not the letter).
        let received = jobs_of(&app, NotificationKind::ProviderApplicationReceived);
        let email = received.iter().find(|(j, _)| j.channel == "email").expect("email");
        let letter = received.iter().find(|(j, _)| j.channel == "post").expect("letter");
        assert_eq!(email.1["destination"], "contact@harbour-clinic.example");
        let reference = email.1["facts"]["reference"].as_str().unwrap().to_owned();
        let secret = email.1["facts"]["code"].as_str().unwrap().to_owned();
        assert!(text_of(NotificationKind::ProviderApplicationReceived, &email.1).contains(&secret));
        assert!(letter.1["facts"].get("code").is_none(), "a letter carries no secret");
        assert!(!letter.0.payload.contains(&secret) && !email.0.payload.contains(&secret), "sealed at rest");

        let (status, list) = get(&app, "/v1/admin/provider-applications?status=submitted", &office).await;
        assert_eq!(status, 200, "{list}");
        let id = list["items"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(list["items"][0]["reference"], reference.as_str());

        // The Office asks for more; it cannot approve an application waiting for it.
        let (status, body) = post(&app, &format!("/v1/admin/provider-applications/{id}/request-more"), Some(&office),
            json!({"reason": "a copy of the Business Registration Certificate"})).await;
        assert_eq!((status, body["status"].as_str()), (200, Some("more_requested")), "{body}");
        let more = jobs_of(&app, NotificationKind::ProviderApplicationMoreRequested);
        assert!(more.iter().any(|(j, p)| j.channel == "email" && text_of(NotificationKind::ProviderApplicationMoreRequested, p).contains("Business Registration Certificate")));
        assert!(more.iter().any(|(j, _)| j.channel == "post"));
        let (status, body) = post(&app, &format!("/v1/admin/provider-applications/{id}/approve"), Some(&office), json!({})).await;
        assert_eq!((status, body["error"]["code"].as_str()), (409, Some("invalid_transition")), "{body}");

        // A wrong secret and an unknown reference are the same 404.
        let extra = json!([document("business_registration", Some(300))]);
        let (s1, b1) = post(&app, &format!("/v1/hcp/provider-applications/{reference}/documents"), None, json!({"secret": "wrong", "documents": extra})).await;
        let (s2, b2) = post(&app, "/v1/hcp/provider-applications/PA-AAAAAAAA/documents", None, json!({"secret": secret, "documents": extra})).await;
        assert_eq!((s1, s2), (404, 404));
        assert_eq!(b1, b2);
        let (status, body) = post(&app, &format!("/v1/hcp/provider-applications/{reference}/documents"), None, json!({"secret": secret, "documents": extra})).await;
        assert_eq!((status, body["status"].as_str()), (200, Some("submitted")), "{body}");

        // Approved twice at once: one provider.
        let path = format!("/v1/admin/provider-applications/{id}/approve");
        let (a, b) = tokio::join!(post(&app, &path, Some(&office), json!({})), post(&app, &path, Some(&office), json!({})));
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
        let decided = if a.0 == 200 { a.1 } else { b.1 };
        let provider = decided["provider"]["id"].as_str().unwrap().to_owned();
        assert_eq!(decided["provider"]["status"], "registered");
        assert_eq!(decided["administrator_account"]["role"], "user_admin");
        assert_eq!(decided["documents"].as_array().unwrap().len(), 2);

        // The activation code went to the administrator alone; the letter says approved.
        let approved = jobs_of(&app, NotificationKind::ProviderApplicationApproved);
        let to_admin: Vec<_> = approved.iter().filter(|(_, p)| p["destination"] == "ua.wong@harbour-clinic.example").collect();
        assert_eq!(to_admin.len(), 1);
        let code = to_admin[0].1["facts"]["code"].as_str().unwrap().to_owned();
        assert!(approved.iter().filter(|(_, p)| p["destination"] != "ua.wong@harbour-clinic.example").all(|(_, p)| p["facts"].get("code").is_none()));
        assert!(approved.iter().any(|(j, p)| j.channel == "post" && text_of(NotificationKind::ProviderApplicationApproved, p).contains(&provider)));

        // Activation: a wrong code refused; the right one once; then password + TOTP sign-in.
        let activate = |code: String| json!({"hcp_id": provider, "username": "ua.wong", "activation_code": code, "password": PASSWORD});
        let (status, body) = post(&app, "/v1/hcp/activations", None, activate("not-the-code".into())).await;
        assert_eq!((status, body["error"]["code"].as_str()), (401, Some("activation_invalid")), "{body}");
        let (status, sign_in_before) = sign_in_raw(&app, Some(&provider), "ua.wong", PASSWORD, "000000").await;
        assert_eq!(status, 401, "no usable password before activation: {sign_in_before}");
        let (status, enrolled) = post(&app, "/v1/hcp/activations", None, activate(code.clone())).await;
        assert_eq!(status, 200, "{enrolled}");
        assert!(enrolled["otpauth_uri"].as_str().unwrap().starts_with("otpauth://totp/"));
        let (status, _) = post(&app, "/v1/hcp/activations", None, activate(code)).await;
        assert_eq!(status, 401, "the code works once");
        let totp = enrolled["secret"].as_str().unwrap().to_owned();
        let token = sign_in(&app, Some(&provider), "ua.wong", PASSWORD, &totp).await;
        let (status, accounts) = get(&app, "/v1/hcp/accounts", &token).await;
        assert_eq!(status, 200, "{accounts}");

        // The Office sees the provider's particulars and documents.
        let (status, shown) = get(&app, &format!("/v1/admin/providers/{provider}"), &office).await;
        assert_eq!(status, 200, "{shown}");
        assert_eq!(shown["particulars"]["address"], "Shop 3, G/F, 18 Harbour Road, Wan Chai, Hong Kong");
        assert_eq!(shown["documents"].as_array().unwrap().len(), 2);
    }

    async fn a_care_home_without_its_practising_certificate_is_refused_naming_it(app: TestApp) {
        demo(&app);
        let office = office(&app).await;
        let form = application("Sunrise Elderly Home", "rche_elderly", &[document("rche_elderly_licence", Some(365))]);
        let (status, body) = post(&app, "/v1/hcp/provider-applications", None, form.clone()).await;
        assert_eq!((status, body["error"]["field"].as_str()), (400, Some("documents")), "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("Practising Certificate of a healthcare professional"), "{message}");
        assert!(!message.contains("Licence"), "only what is missing is named: {message}");
        let (status, body) = post(&app, "/v1/admin/provider-applications", Some(&office), form).await;
        assert_eq!(status, 400, "{body}");
        // An expired document does not count either; HA and DH do not apply.
        let expired = application("Sunrise Elderly Home", "rche_elderly",
            &[document("rche_elderly_licence", Some(-1)), document("practising_certificate", None)]);
        let (status, body) = post(&app, "/v1/hcp/provider-applications", None, expired).await;
        assert_eq!(status, 400, "{body}");
        let public = application("Another HA", "hospital_authority", &[]);
        let (status, body) = post(&app, "/v1/hcp/provider-applications", None, public).await;
        assert_eq!((status, body["error"]["field"].as_str()), (400, Some("establishment_type")), "{body}");
        assert_eq!(application_count(&app), 0, "nothing half-written");
        let complete = application("Sunrise Elderly Home", "rche_elderly",
            &[document("rche_elderly_licence", Some(365)), document("practising_certificate", Some(200))]);
        let (status, body) = post(&app, "/v1/hcp/provider-applications", None, complete).await;
        assert_eq!(status, 202, "{body}");
    }

    async fn the_public_form_is_throttled_per_client_address(app: TestApp) {
        let mut last = 0;
        for i in 0..11 {
            let form = application(&format!("Clinic {i}"), "medical_clinic", &[document("medical_clinic_registration", None)]);
            let (status, _) = post(&app, "/v1/hcp/provider-applications", None, form).await;
            last = status;
            if i < 10 {
                assert_eq!(status, 202, "try {i}");
            }
        }
        assert_eq!(last, 429);
    }
}
