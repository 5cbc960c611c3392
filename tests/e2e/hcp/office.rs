//! The Office: provider registration and lifecycle (each status's effect on the counter),
//! audit queries and integrity; and outsiders refused on every guarded route.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use ehealth_core::actions::demo::{DEMO_PASSWORD, DEMO_TOTP_SECRET};
use ehealth_core::ids::ProviderId;
use serde_json::json;

use super::helpers::*;
use crate::support::TestApp;

async fn change(app: &TestApp, office: &str, action: &str) -> (u16, serde_json::Value) {
    // Effective today (the default); a withdrawal is the provider's request, received today.
    let today = ehealth_core::rules::hong_kong_date(chrono::Utc::now()).to_string();
    let body = match action {
        "withdraw" => json!({ "reason": "the provider's request", "received_on": today }),
        _ => json!({ "reason": format!("the Office's decision to {action}") }),
    };
    post(
        app,
        &format!("/v1/admin/providers/{}/{action}", clinic()),
        Some(office),
        body,
    )
    .await
}

async fn doctor(app: &TestApp, step: i64) -> (u16, serde_json::Value) {
    sign_in_raw(
        app,
        Some(&clinic()),
        "drchan",
        DEMO_PASSWORD,
        &code(DEMO_TOTP_SECRET, step),
    )
    .await
}

/// Signed in before the change; what the provider's status does to that session, to a
/// new sign-in and to record views.
async fn provider_state(app: TestApp, action: &str, final_state: bool) {
    let summary = demo(&app);
    let ehr = summary.patient_ehr_number.clone();
    let (_, signed_in) = doctor(&app, -1).await;
    let token = signed_in["token"].as_str().unwrap().to_owned();
    let (status, _) = view(&app, &token, &ehr, &["allergies_adrs"], "care").await;
    assert_eq!(status, 200, "registered: the doctor can view");
    let office = office(&app).await;
    let (status, provider) = change(&app, &office, action).await;
    assert_eq!(status, 200, "{provider}");

    let (status, _) = view(&app, &token, &ehr, &["allergies_adrs"], "care").await;
    assert_eq!(status, 401, "{action}: the live session stops at once");
    let (status, body) = doctor(&app, 0).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("provider_not_registered")),
        "{action}: {body}"
    );

    let (status, body) = change(&app, &office, "reinstate").await;
    if final_state {
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (409, Some("invalid_transition"))
        );
        let consents = {
            use ehealth_core::db::{consents, patients};
            let mut conn = app.conn();
            let p = patients::find_by_ehr_number(&mut conn, &ehr)
                .unwrap()
                .unwrap();
            consents::history(&mut conn, &p.id).unwrap()
        };
        let clinic_consent = consents.iter().find(|c| c.provider_id == clinic()).unwrap();
        assert_eq!(
            clinic_consent.status.as_str(),
            "ended",
            "{action}: its consents stop counting"
        );
    } else {
        assert_eq!(status, 200, "{body}");
        let (status, body) = doctor(&app, 1).await;
        assert_eq!(status, 201, "{body}");
        let (status, _) = view(
            &app,
            body["token"].as_str().unwrap(),
            &ehr,
            &["allergies_adrs"],
            "care",
        )
        .await;
        assert_eq!(status, 200, "reinstated: consent still counts");
    }
}

both_backends! {
    async fn a_suspended_provider_cannot_act_until_reinstated(app: TestApp) {
        provider_state(app, "suspend", false).await;
    }

    async fn a_cancelled_provider_cannot_act_and_its_consents_end(app: TestApp) {
        provider_state(app, "cancel", true).await;
    }

    async fn a_withdrawn_provider_cannot_act_and_its_consents_end(app: TestApp) {
        provider_state(app, "withdraw", true).await;
    }

    async fn the_office_registers_providers_and_queries_the_audit_log(app: TestApp) {
        let summary = demo(&app);
        let office = office(&app).await;
        let (status, p) = post(&app, "/v1/admin/providers", Some(&office),
            json!({"name_en": "Sai Kung Clinic", "name_zh": "西貢診所", "establishment_type": "medical_clinic"})).await;
        assert_eq!(status, 201, "{p}");
        assert!(ProviderId::parse(p["id"].as_str().unwrap()).is_ok());
        assert_eq!(p["status"], "registered");
        let (status, body) = post(&app, "/v1/admin/providers", Some(&office),
            json!({"name_en": "HA again", "name_zh": "醫管局", "establishment_type": "hospital_authority"})).await;
        assert_eq!((status, body["error"]["code"].as_str()), (409, Some("public_body_exists")));
        let (status, body) = post(&app, "/v1/admin/providers", Some(&office),
            json!({"name_en": "X", "name_zh": "X", "establishment_type": "spaceport"})).await;
        assert_eq!((status, body["error"]["field"].as_str()), (400, Some("establishment_type")));

        let (status, log) = get(&app, &format!("/v1/admin/audit?ehr_number={}&limit=2", summary.patient_ehr_number), &office).await;
        assert_eq!(status, 200, "{log}");
        let entries = log["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 2);
        assert!(entries[0]["seq"].as_i64() > entries[1]["seq"].as_i64(), "newest first");
        let next = log["next_before_seq"].as_i64().unwrap();
        let (_, older) = get(&app, &format!("/v1/admin/audit?ehr_number={}&before_seq={next}", summary.patient_ehr_number), &office).await;
        assert!(older["entries"].as_array().unwrap().iter().all(|e| e["seq"].as_i64().unwrap() < next));
        let (_, registered) = get(&app, "/v1/admin/audit?event=provider_registered", &office).await;
        assert_eq!(registered["entries"][0]["provider_id"], p["id"]);
    }

    async fn outsiders_are_refused_on_every_guarded_route(app: TestApp) {
        demo(&app);
        let admin = clinic_admin(&app).await;
        let (nurse_id, nurse, secret) = professional(&app, &admin, "nurse.out", "nurse").await;
        // Well-formed bodies, so that only the missing or bad token can be the reason.
        let ehr = "123456789015";
        let post_routes = [
            ("/v1/hcp/accounts", json!({"username": "x", "display_name": "x", "password": "x"})),
            ("/v1/hcp/identity-verifications", json!({"verified_by": "smart_hkic", "contact_confirmed": true})),
            ("/v1/hcp/consents/access-key", json!({"ehr_number": ehr, "access_key": "12345678", "action": "give", "type": "one_year"})),
            ("/v1/hcp/consents/form", json!({"ehr_number": ehr, "type": "one_year", "id_document": {"type": "hkic", "number": "A1234563"}, "form": {"document_number": "F-1", "sha256": "ab".repeat(32)}})),
            ("/v1/hcp/records", json!({"ehr_number": ehr, "data_type": "demographics", "document": {}})),
            ("/v1/hcp/record-views", json!({"ehr_number": ehr, "data_types": ["demographics"]})),
            ("/v1/hcp/care-episodes", json!({"ehr_number": ehr})),
            ("/v1/admin/providers", json!({"name_en": "x", "name_zh": "x", "establishment_type": "medical_clinic"})),
        ];
        for (path, body) in post_routes {
            let (status, answer) = post(&app, path, None, body.clone()).await;
            assert_eq!((status, answer["error"]["code"].as_str()), (401, Some("unauthenticated")), "{path}");
            let (status, _) = post(&app, path, Some("not-a-real-token"), body).await;
            assert_eq!(status, 401, "{path}");
        }
        // An HCProf is not a user administrator, nor the Office.
        let (status, body) = post(&app, "/v1/hcp/accounts", Some(&nurse), json!({
            "username": "sneaky", "display_name": "S", "password": PASSWORD, "profession": "nurse", "registration_number": "1"
        })).await;
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("wrong_role")));
        let (status, _) = post(&app, &format!("/v1/hcp/accounts/{nurse_id}/totp"), Some(&nurse), json!({})).await;
        assert_eq!(status, 403);
        let (status, _) = get(&app, "/v1/admin/audit", &nurse).await;
        assert_eq!(status, 403);
        let (status, _) = get(&app, "/v1/admin/audit/verify", &admin).await;
        assert_eq!(status, 403);
        let (status, _) = post(&app, &format!("/v1/admin/providers/{}/suspend", clinic()), Some(&admin), json!({"reason": "not mine to decide"})).await;
        assert_eq!(status, 403);
        // The Office cannot view records.
        let office = office(&app).await;
        let (status, body) = view(&app, &office, "123456789015", &["demographics"], "curious").await;
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("wrong_role")));

        // A disabled account stops at once, even with a live token.
        let (status, body) = post(&app, &format!("/v1/hcp/accounts/{nurse_id}/disable"), Some(&admin), json!({})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "disabled");
        let (status, _) = post(&app, "/v1/hcp/care-episodes", Some(&nurse), json!({"ehr_number": "123456789015"})).await;
        assert_eq!(status, 401);
        let (status, body) = sign_in_raw(&app, Some(&clinic()), "nurse.out", PASSWORD, &code(&secret, 1)).await;
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("account_disabled")), "{body}");
    }

    async fn the_counter_and_office_calls_are_in_the_openapi_document(app: TestApp) {
        let doc: serde_json::Value = app.get(&format!("{}/openapi.json", app.api)).await.json().await.unwrap();
        for path in ["/v1/hcp/sessions", "/v1/hcp/accounts", "/v1/hcp/accounts/{id}/totp", "/v1/hcp/identity-verifications",
            "/v1/hcp/consents/access-key", "/v1/hcp/consents/form", "/v1/hcp/records", "/v1/hcp/record-views",
            "/v1/hcp/approval-requests", "/v1/admin/providers", "/v1/admin/providers/{id}/{action}", "/v1/admin/audit",
            "/v1/admin/audit/verify", "/v1/admin/patients/{ehr}/fhir/Consent"] {
            assert!(doc["paths"][path].is_object(), "{path} missing from /openapi.json");
        }
        assert!(doc["components"]["schemas"]["ViewBody"].is_object());
    }

    async fn a_new_provider_gets_its_first_user_administrator_from_the_office(app: TestApp) {
        demo(&app);
        let office = office(&app).await;
        let (_, p) = post(&app, "/v1/admin/providers", Some(&office),
            json!({"name_en": "Tai Po Dental", "name_zh": "大埔牙科", "establishment_type": "dental_company"})).await;
        let hcp_id = p["id"].as_str().unwrap().to_owned();
        let (status, ua) = post(&app, &format!("/v1/admin/providers/{hcp_id}/accounts"), Some(&office),
            json!({"username": "ua.taipo", "display_name": "Tai Po UA", "password": PASSWORD, "role": "user_admin"})).await;
        assert_eq!(status, 201, "{ua}");
        assert_eq!(ua["provider_id"], hcp_id.as_str());
        let (status, enrol) = post(&app, &format!("/v1/admin/accounts/{}/totp", ua["id"].as_str().unwrap()), Some(&office), json!({})).await;
        assert_eq!(status, 200, "{enrol}");
        assert!(enrol["qr_svg"].as_str().unwrap().contains("<svg"));
        let ua_token = sign_in(&app, Some(&hcp_id), "ua.taipo", PASSWORD, enrol["secret"].as_str().unwrap()).await;
        let (status, dentist) = post(&app, "/v1/hcp/accounts", Some(&ua_token), json!({
            "username": "dr.tam", "display_name": "Dr TAM", "password": PASSWORD, "profession": "dentist", "registration_number": "D0001"
        })).await;
        assert_eq!(status, 201, "{dentist}");
        assert_eq!(dentist["provider_id"], hcp_id.as_str(), "a UA creates at its own provider");
        // A provider's UA cannot set up accounts at another provider.
        let clinic_admin = clinic_admin(&app).await;
        let (status, _) = post(&app, &format!("/v1/hcp/accounts/{}/disable", dentist["id"].as_str().unwrap()), Some(&clinic_admin), json!({})).await;
        assert_eq!(status, 404);
        let (status, _) = post(&app, &format!("/v1/admin/providers/{hcp_id}/accounts"), Some(&clinic_admin),
            json!({"username": "x.y", "display_name": "X", "password": PASSWORD, "role": "user_admin"})).await;
        assert_eq!(status, 403);
    }
}
