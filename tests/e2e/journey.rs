//! Issue 7: one whole journey across every channel, with `ehealth api`, `ehealth ivr` and
//! `ehealth notifier` running as separate processes over one database (a SQLite file
//! shared by the three, and PostgreSQL). A patient applies in the app -> identity is
//! verified at a counter -> the access key arrives by SMS (Twilio stand-in) and email
//! (a real SMTP server) -> consent is given at the counter with the key, in the app to a
//! second provider and by phone to a third -> an HCProf at each views the record -> the
//! patient gets one "record accessed" message per access by SMS, email, post (the print
//! batch) and push, and sees each access in the app -> revokes by phone -> the next view
//! is refused, audited and not notified -> `ehealth audit verify` passes.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod delivered;
mod people;
mod platform;
mod received;

use std::collections::HashSet;
use std::time::Instant;

use ehealth_core::db::patients;
use ehealth_core::db::Backend;
use ehealth_core::ids::PatientId;
use ehealth_core::testing::{self, Start};
use reqwest::Method;
use serde_json::json;

use crate::hcp::helpers as hcp;
use delivered::{access_jobs, patient_jobs};
use people::{Provider, EMAIL, HKIC, MOBILE};
use platform::{Platform, StandIns};

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn whole_journey_across_processes() {
        super::whole_journey(ehealth_core::db::Backend::Sqlite).await;
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn whole_journey_across_processes() {
        super::whole_journey(ehealth_core::db::Backend::Postgres).await;
    }
}

const DEVICE: &str = "journey-phone-fcm-token";
const VIEWED: &str = "allergies_adrs";

/// The patient once registered: eHR number, row id (for the queue) and access key.
struct Patient {
    ehr: String,
    id: PatientId,
    key: String,
}

async fn whole_journey(backend: Backend) {
    let started = Instant::now();
    let Some(db) = testing::open(backend, Start::Migrated) else {
        return;
    };
    let (p, banner) = Platform::start(db, StandIns::start().await).await;
    let app = &p.app;
    let ready = started.elapsed();

    // 1. The patient applies in the app and verifies the mobile with the SMS code.
    let application = people::apply(&p).await;

    // 2. The Office registers two more clinics; each UA sets up an HCProf.
    let office = hcp::office(app).await;
    let clinic = people::demo_clinic(app, &banner).await;
    let second = people::new_provider(app, &office, "Sai Kung Family Clinic", "西貢家庭診所").await;
    let third = people::new_provider(app, &office, "Tai Po Medical Centre", "大埔醫務中心").await;

    // 3.-5. Registered at the clinic's counter; consent there, in the app and by phone.
    let patient = register_at_counter(&p, &clinic, &application).await;
    let token = consent_by_three_channels(&p, &patient, &clinic, &second, &third).await;

    // 6. An HCProf at each provider views the record.
    let providers = [&clinic, &second, &third];
    for provider in providers {
        let (status, seen) =
            hcp::view(app, &provider.doctor, &patient.ehr, &[VIEWED], "follow-up").await;
        assert_eq!(status, 200, "{}: {seen}", provider.name_en);
        assert_eq!(seen["granted"], json!([VIEWED]), "{seen}");
    }

    // 7. One message per access by SMS, email and push; the letters in the print batch.
    let accessed = delivered::wait_until_delivered(&p, &patient.id, providers.len()).await;
    let delivered_at = started.elapsed();
    delivered::assert_messages(&p, &providers, DEVICE).await;
    delivered::assert_letters(&p, &accessed, providers.len()).await;

    // 8. The patient sees each access in the app, newest first.
    let newest_first: Vec<&str> = providers.iter().rev().map(|x| x.id.as_str()).collect();
    assert_eq!(access_records(&p, &token).await, newest_first);

    // 9. Revoked by phone: the third clinic's next view is refused, audited, not notified.
    people::revoke_by_phone(app, &patient.ehr, &patient.key, &third).await;
    refused_and_not_notified(&p, &office, &patient, &third).await;
    assert_eq!(access_jobs(&p, &patient.id).len(), accessed.len());
    assert_eq!(
        access_records(&p, &token).await,
        newest_first,
        "a refusal is no access"
    );

    // 10. The audit log is whole.
    let verify = p.ehealth(&["audit", "verify"]).await;
    let said = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success(),
        "{}: {said}{}",
        verify.status,
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(said.contains("audit log intact"), "{said}");
    eprintln!(
        "journey on {}: services ready after {ready:?}, accesses delivered after \
         {delivered_at:?}, whole journey {:?}",
        backend.name(),
        started.elapsed()
    );
}

/// Identity verified at the clinic's counter completes the application; the access key
/// arrives by SMS and email, and the clinic's HCProf takes consent with it.
async fn register_at_counter(p: &Platform, clinic: &Provider, application: &str) -> Patient {
    let (status, registered) = hcp::post(
        &p.app,
        "/v1/hcp/identity-verifications",
        Some(&clinic.doctor),
        json!({ "application_id": application,
                "id_document": { "type": "hkic", "number": HKIC },
                "verified_by": "document_checked", "contact_confirmed": true }),
    )
    .await;
    assert_eq!(status, 201, "{registered}");
    let ehr = registered["ehr_number"].as_str().expect("eHR").to_owned();
    let id = patients::find_by_ehr_number(&mut p.app.conn(), &ehr)
        .expect("query")
        .expect("registered")
        .id;
    let key = key_by_sms_and_email(p).await;
    assert_eq!(
        registered["access_key"],
        key.as_str(),
        "the key shown at the counter"
    );
    let (status, consent) = hcp::key_consent(&p.app, &clinic.doctor, &ehr, &key, "give").await;
    assert_eq!(status, 200, "{consent}");
    Patient { ehr, id, key }
}

/// In the app: sign in, register the phone for push, consent to the second clinic; by
/// phone: consent to the third. Returns the app session's token.
async fn consent_by_three_channels(
    p: &Platform,
    patient: &Patient,
    clinic: &Provider,
    second: &Provider,
    third: &Provider,
) -> String {
    let token = people::sign_in(p, &patient.ehr, 2).await;
    let device = json!({ "fcm_token": DEVICE, "platform": "android" });
    let (status, body) =
        people::in_app(p, Method::POST, "/v1/app/devices", &token, Some(device)).await;
    assert_eq!(status, 201, "{body}");
    let path = format!("/v1/app/consents/{}", second.id);
    let indefinite = Some(json!({ "type": "indefinite" }));
    let (status, body) = people::in_app(p, Method::PUT, &path, &token, indefinite).await;
    assert_eq!(status, 200, "{body}");
    people::consent_by_phone(&p.app, &patient.ehr, &patient.key, third).await;
    let (_, consents) = people::in_app(p, Method::GET, "/v1/app/consents", &token, None).await;
    assert_consents(
        &consents,
        &[(clinic, "access_key"), (second, "app"), (third, "ivr")],
    );
    token
}

/// The view after revocation: 403 `no_sharing_consent`, in the audit log, no job queued.
async fn refused_and_not_notified(p: &Platform, office: &str, patient: &Patient, third: &Provider) {
    let jobs_before = patient_jobs(p, &patient.id).len();
    let (status, refused) =
        hcp::view(&p.app, &third.doctor, &patient.ehr, &[VIEWED], "follow-up").await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("no_sharing_consent")),
        "{refused}"
    );
    assert_refusal_audited(p, office, &patient.ehr, third).await;
    assert_eq!(
        patient_jobs(p, &patient.id).len(),
        jobs_before,
        "nothing queued for a refusal"
    );
}

/// The first key is sent by SMS and by email; both carry the same 8-digit key.
async fn key_by_sms_and_email(p: &Platform) -> String {
    let sms = received::nth_sms(&p.stand_ins.twilio, MOBILE, "access key", 1).await;
    let mail = received::first_email(&p.stand_ins.smtp, EMAIL, "access key").await;
    let key = received::the_number(&sms.text, 8);
    assert_eq!(received::the_number(&mail.text, 8), key, "{mail:?}");
    key
}

/// The consents the app lists as in force: exactly these providers, by these channels.
fn assert_consents(list: &serde_json::Value, expected: &[(&Provider, &str)]) {
    let in_force: HashSet<(String, String)> = list["consents"]
        .as_array()
        .unwrap_or_else(|| panic!("consents: {list}"))
        .iter()
        .filter(|c| c["in_force"] == true && c["channel"] != "deemed")
        .map(|c| {
            (
                c["hcp_id"].as_str().unwrap().to_owned(),
                c["channel"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let wanted: HashSet<(String, String)> = expected
        .iter()
        .map(|(p, channel)| (p.id.clone(), (*channel).to_owned()))
        .collect();
    assert_eq!(in_force, wanted, "{list}");
}

/// The providers of the accesses the app lists, newest first.
async fn access_records(p: &Platform, token: &str) -> Vec<String> {
    let (status, page) =
        people::in_app(p, Method::GET, "/v1/app/access-records", token, None).await;
    assert_eq!(status, 200, "{page}");
    page["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| {
            assert_eq!(r["data_types"], json!([VIEWED]), "{r}");
            r["hcp_id"].as_str().expect("hcp_id").to_owned()
        })
        .collect()
}

/// The Office finds the refusal in the audit log: one refused view by the third clinic's
/// HCProf, for want of consent; and the one granted view before it.
async fn assert_refusal_audited(p: &Platform, office: &str, ehr: &str, provider: &Provider) {
    let query = format!(
        "/v1/admin/audit?ehr_number={ehr}&hcp_id={}&event=record_view",
        provider.id
    );
    let (status, log) = hcp::get(&p.app, &query, office).await;
    assert_eq!(status, 200, "{log}");
    let entries = log["entries"].as_array().expect("entries");
    let outcomes: Vec<(&str, Option<&str>)> = entries
        .iter()
        .map(|e| (e["outcome"].as_str().unwrap_or(""), e["reason"].as_str()))
        .collect();
    assert_eq!(outcomes.len(), 2, "{log}");
    assert_eq!(
        outcomes[0],
        ("refused", Some("no_sharing_consent")),
        "{log}"
    );
    assert_eq!(outcomes[1].0, "granted", "{log}");
    assert!(
        entries
            .iter()
            .all(|e| e["actor_id"] == provider.doctor_id.as_str()),
        "{log}"
    );
}
