//! Substitute decision makers end to end (issue 14): a parent applies for a child in the
//! app, a counter verifies it (twice at once: one link), the parent acts (consent given and
//! revoked, access records seen, named in the messages), a second parent is linked, the
//! child turns 16 and the links end with the message; a family member of an incapable
//! adult is verified at the Office and acts; suspended, ended and never-made links are
//! refused on every route exactly as an outsider is.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ehealth_core::actions::sdm_links;
use ehealth_core::db::schema::{notification_jobs as nj, sdm_links as sl};
use reqwest::Method;
use serde_json::{json, Value};

use super::helpers::{last_code, post as app_post, send, HKIC_B, HKIC_C, HKIC_D};
use super::outsiders::protected_routes;
use crate::hcp::helpers::{clinic, clinic_admin, demo, office, professional, view};
use crate::support::{json, TestApp};

const CHILD_HKIC: &str = "E123456(4)";
const ADULT_HKIC: &str = "F123456(7)";
const CHILD_DOB: &str = "2016-06-15";
const MOTHER_MOBILE: &str = "+85266661001";
const FATHER_MOBILE: &str = "+85266661002";

fn patient_part(hkic: &str, name: &str, dob: &str) -> Value {
    json!({
        "id_document": { "type": "hkic", "number": hkic },
        "name_en": name, "date_of_birth": dob, "sex": "F",
        "mobile": "+85266669999", "postal_address": "Flat 1, 2 Harbour Road, Wan Chai",
        "language": "zh-Hant", "notification_means": ["post"],
    })
}

fn sdm_part(hkic: &str, name: &str, mobile: &str) -> Value {
    json!({
        "id_document": { "type": "hkic", "number": hkic },
        "name_en": name, "date_of_birth": "1985-03-02", "mobile": mobile, "language": "en",
    })
}

fn parent_application(sdm_hkic: &str, sdm_name: &str, mobile: &str) -> Value {
    json!({
        "patient": patient_part(CHILD_HKIC, "CHAN, Hoi Yan", CHILD_DOB),
        "sdm": sdm_part(sdm_hkic, sdm_name, mobile),
        "relationship": "parent",
        "documents": [{ "type": "birth_certificate", "reference": "BC-2016-001234" }],
    })
}

/// Applies and confirms the SDM's mobile; returns the application id.
async fn apply(app: &TestApp, body: &Value, mobile: &str) -> String {
    let r = app_post(app, "/v1/app/sdm-applications", body, None).await;
    assert_eq!(r.status(), 201);
    let shown = json(r).await;
    assert_eq!(shown["status"], "pending_mobile_verification");
    assert!(shown["mobile_hint"]
        .as_str()
        .unwrap()
        .ends_with(&mobile[mobile.len() - 4..]));
    let id = shown["id"].as_str().unwrap().to_owned();
    let code = last_code(app, mobile);
    let r = app_post(
        app,
        &format!("/v1/app/applications/{id}/verify-mobile"),
        &json!({ "code": code }),
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    id
}

fn verification(id: &str, patient_hkic: &str, sdm_hkic: &str) -> Value {
    json!({
        "application_id": id,
        "patient_id_document": { "type": "hkic", "number": patient_hkic },
        "sdm_id_document": { "type": "hkic", "number": sdm_hkic },
        "relationship_documents_checked": true,
    })
}

async fn sdm_sign_in(app: &TestApp, hkic: &str, mobile: &str) -> String {
    let body = json!({ "id_document": { "type": "hkic", "number": hkic }, "date_of_birth": "1985-03-02", "as_sdm": true });
    let r = app_post(app, "/v1/app/sessions/otp", &body, None).await;
    assert_eq!(r.status(), 202);
    let challenge = json(r).await["challenge_id"].as_str().unwrap().to_owned();
    let code = last_code(app, mobile);
    let r = app_post(
        app,
        "/v1/app/sessions/otp/verify",
        &json!({ "challenge_id": challenge, "code": code }),
        None,
    )
    .await;
    assert_eq!(r.status(), 201);
    json(r).await["token"].as_str().unwrap().to_owned()
}

async fn acting(
    app: &TestApp,
    token: &str,
    ehr: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut req = app
        .client
        .request(method, format!("{}{path}", app.api))
        .bearer_auth(token)
        .header("X-Acting-For", ehr);
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await.unwrap()
}

/// Every protected route answers `token` acting for `ehr` exactly as it answers an SDM
/// who never had a link (same status, same body).
async fn refused_everywhere(app: &TestApp, token: &str, ehr: &str, outsider: &str) {
    let mut routes = protected_routes(&clinic());
    routes.retain(|(_, path, _)| !path.ends_with("sessions/current"));
    routes.push((Method::DELETE, format!("/v1/app/acting-for/{ehr}"), None));
    for (method, path, body) in routes {
        let r = acting(app, token, ehr, method.clone(), &path, body.as_ref()).await;
        let status = r.status();
        let refused = json(r).await;
        let r = acting(app, outsider, ehr, method.clone(), &path, body.as_ref()).await;
        assert_eq!(status, r.status(), "{method} {path}");
        assert_eq!(refused, json(r).await, "{method} {path}");
        assert_eq!(status, 403, "{method} {path}");
        assert_eq!(refused["error"]["code"], "not_linked", "{method} {path}");
    }
}

fn jobs(app: &TestApp, kind: &str) -> Vec<Value> {
    nj::table
        .filter(nj::job_type.eq(kind))
        .select(nj::payload)
        .load::<String>(&mut app.conn())
        .unwrap()
        .iter()
        .map(|p| serde_json::from_str(p).unwrap())
        .collect()
}

fn live_links(app: &TestApp) -> i64 {
    sl::table
        .filter(sl::ended_at.is_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

both_backends! {
    async fn a_parent_registers_a_child_acts_and_the_link_ends_at_sixteen(app: TestApp) {
        demo(&app);
        let admin = clinic_admin(&app).await;
        let (_, nurse, _) = professional(&app, &admin, "nurse.sdm", "nurse").await;

        // An outsider SDM (linked to no one) to compare refusals with.
        let stranger_child = apply(&app, &json!({
            "patient": patient_part("G123456(A)", "HO, Ka Ming", "2018-01-01"),
            "sdm": sdm_part(HKIC_B, "HO, Outsider", "+85266661003"),
            "relationship": "parent",
            "documents": [{ "type": "birth_certificate", "reference": "BC-9" }],
        }), "+85266661003").await;
        let (status, _) = crate::hcp::helpers::post(&app, "/v1/hcp/sdm-verifications", Some(&nurse), verification(&stranger_child, "G123456(A)", HKIC_B)).await;
        assert_eq!(status, 201);
        let outsider = sdm_sign_in(&app, HKIC_B, "+85266661003").await;

        // The mother applies in the app; the counter sees the application.
        let id = apply(&app, &parent_application(HKIC_D, "CHAN, Mei", MOTHER_MOBILE), MOTHER_MOBILE).await;
        let (status, seen) = crate::hcp::helpers::get(&app, &format!("/v1/hcp/sdm-applications/{id}"), &nurse).await;
        assert_eq!(status, 200, "{seen}");
        assert_eq!(seen["relationship"], "parent");
        assert_eq!(seen["basis"], "minor");
        assert_eq!(seen["documents"][0]["type"], "birth_certificate");
        assert_eq!(seen["sdm"]["name_en"], "CHAN, Mei");

        // The wrong SDM document is refused; then two verifications at once make one link.
        let (status, body) = crate::hcp::helpers::post(&app, "/v1/hcp/sdm-verifications", Some(&nurse), verification(&id, CHILD_HKIC, HKIC_C)).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["field"], "sdm_id_document");
        let before = live_links(&app);
        let (a, b) = tokio::join!(
            crate::hcp::helpers::post(&app, "/v1/hcp/sdm-verifications", Some(&nurse), verification(&id, CHILD_HKIC, HKIC_D)),
            crate::hcp::helpers::post(&app, "/v1/hcp/sdm-verifications", Some(&nurse), verification(&id, CHILD_HKIC, HKIC_D)),
        );
        let mut statuses = [a.0, b.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "{} {}", a.1, b.1);
        assert_eq!(live_links(&app), before + 1);
        let done = if a.0 == 201 { a.1 } else { b.1 };
        assert_eq!(done["patient_registered_now"], true);
        let ehr = done["ehr_number"].as_str().unwrap().to_owned();
        // Both told: the child by post (their only means), the mother by SMS.
        let linked = jobs(&app, "sdm_linked");
        assert!(linked.iter().any(|j| j["patient_id"] == done["patient_id"] && j["facts"]["sdm_name"] == "CHAN, Mei"));
        let told = jobs(&app, "sdm_acts_for");
        assert!(told.iter().any(|j| j["destination"] == MOTHER_MOBILE && j["facts"]["ehr_number"] == ehr.as_str()));

        // The mother signs in as herself and sees whom she acts for.
        let mother = sdm_sign_in(&app, HKIC_D, MOTHER_MOBILE).await;
        let r = send(&app, Method::GET, "/v1/app/me", Some(&mother), None).await;
        assert_eq!(r.status(), 200);
        let me = json(r).await;
        assert_eq!(me["subject_kind"], "sdm");
        assert_eq!(me["acts_for"].as_array().unwrap().len(), 1);
        assert_eq!(me["acts_for"][0]["ehr_number"], ehr.as_str());
        assert_eq!(me["acts_for"][0]["relationship"], "parent");

        // She gives consent to the clinic; the message names her.
        let consent = format!("/v1/app/consents/{}", clinic());
        let r = acting(&app, &mother, &ehr, Method::PUT, &consent, Some(&json!({ "type": "indefinite" }))).await;
        assert_eq!(r.status(), 200);
        assert_eq!(json(r).await["given_by"], "sdm");
        assert!(jobs(&app, "consent_given").iter().any(|j| j["facts"]["acted_by_sdm"] == "CHAN, Mei"));
        // The clinic views the child's record; the mother sees the access.
        let (status, body) = view(&app, &nurse, &ehr, &["allergies_adrs"], "vaccination").await;
        assert_eq!(status, 200, "{body}");
        let r = acting(&app, &mother, &ehr, Method::GET, "/v1/app/access-records", None).await;
        assert_eq!(r.status(), 200);
        let records = json(r).await;
        assert!(records["records"].as_array().unwrap().iter().any(|a| a["hcp_id"] == clinic().as_str()), "{records}");
        // She revokes it; then gives a one-year consent that must outlive her link.
        let r = acting(&app, &mother, &ehr, Method::DELETE, &consent, None).await;
        assert!(r.status().is_success(), "{}", r.status());
        assert!(jobs(&app, "consent_revoked").iter().any(|j| j["facts"]["acted_by_sdm"] == "CHAN, Mei"));
        let r = acting(&app, &mother, &ehr, Method::PUT, &consent, Some(&json!({ "type": "one_year" }))).await;
        assert_eq!(r.status(), 200);

        // The father is linked too; the child is not registered twice.
        let id = apply(&app, &parent_application(HKIC_C, "CHAN, Tai Man", FATHER_MOBILE), FATHER_MOBILE).await;
        let (status, body) = crate::hcp::helpers::post(&app, "/v1/hcp/sdm-verifications", Some(&nurse), verification(&id, CHILD_HKIC, HKIC_C)).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["patient_registered_now"], false);
        assert_eq!(body["ehr_number"], ehr.as_str());
        assert!(body["access_key"].is_null());
        let father = sdm_sign_in(&app, HKIC_C, FATHER_MOBILE).await;
        let r = acting(&app, &father, &ehr, Method::GET, "/v1/app/consents", None).await;
        assert_eq!(r.status(), 200);

        // The day before the 16th birthday (Hong Kong date) nothing ends; on it both do.
        let eve: DateTime<Utc> = "2032-06-14T15:30:00Z".parse().unwrap(); // 23:30 in Hong Kong
        let day: DateTime<Utc> = "2032-06-14T16:30:00Z".parse().unwrap(); // 00:30 on 15 June
        let other_links = live_links(&app) - 2;
        assert_eq!(sdm_links::end_at_majority(&mut app.conn(), eve, 100).unwrap(), 0);
        assert_eq!(sdm_links::end_at_majority(&mut app.conn(), day, 100).unwrap(), 2);
        assert_eq!(sdm_links::end_at_majority(&mut app.conn(), day, 100).unwrap(), 0, "ends once");
        assert_eq!(live_links(&app), other_links);
        let told: Vec<Value> = jobs(&app, "came_of_age").into_iter().filter(|j| j["patient_id"] == done["patient_id"]).collect();
        assert_eq!(told.len(), 1, "one letter, not one per parent: {told:?}");
        assert_eq!(told[0]["facts"]["ehr_number"], ehr.as_str());
        // The mother now is refused everywhere, exactly as an outsider; the consent stands.
        refused_everywhere(&app, &mother, &ehr, &outsider).await;
        let r = send(&app, Method::GET, "/v1/app/me", Some(&mother), None).await;
        assert!(json(r).await["acts_for"].as_array().unwrap().is_empty());
        let (status, body) = view(&app, &nurse, &ehr, &["allergies_adrs"], "follow-up").await;
        assert_eq!(status, 200, "the consent the SDM gave stays in force: {body}");
    }

    async fn a_family_member_of_an_incapable_adult_is_verified_at_the_office_and_acts(app: TestApp) {
        demo(&app);
        let office = office(&app).await;
        let adult = json!({
            "patient": patient_part(ADULT_HKIC, "LAM, Siu Wah", "1940-09-09"),
            "sdm": sdm_part(HKIC_D, "LAM, Kwok Wing", MOTHER_MOBILE),
            "relationship": "family_member",
            "documents": [
                { "type": "medical_certificate_of_incapacity", "reference": "MC-77" },
                { "type": "proof_of_family_or_residence", "reference": "MARR-1" },
            ],
        });
        // The rule: a parent does not act for an adult; a family member needs the certificate.
        let mut wrong = adult.clone();
        wrong["relationship"] = json!("parent");
        let r = app_post(&app, "/v1/app/sdm-applications", &wrong, None).await;
        assert_eq!(r.status(), 400);
        assert_eq!(json(r).await["error"]["field"], "relationship");
        let mut missing = adult.clone();
        missing["documents"] = json!([{ "type": "proof_of_family_or_residence", "reference": "MARR-1" }]);
        let r = app_post(&app, "/v1/app/sdm-applications", &missing, None).await;
        assert_eq!(r.status(), 400);
        assert_eq!(json(r).await["error"]["field"], "documents");

        let id = apply(&app, &adult, MOTHER_MOBILE).await;
        let (status, body) = crate::hcp::helpers::post(&app, "/v1/hcp/sdm-verifications", Some(&office), verification(&id, ADULT_HKIC, HKIC_D)).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["basis"], "lacking_capacity");
        let ehr = body["ehr_number"].as_str().unwrap().to_owned();
        let link_id = body["link_id"].as_str().unwrap().to_owned();
        let son = sdm_sign_in(&app, HKIC_D, MOTHER_MOBILE).await;

        // He acts: a new access key, recorded with his id.
        let r = acting(&app, &son, &ehr, Method::POST, "/v1/app/access-key", None).await;
        assert_eq!(r.status(), 201);
        let issued = jobs(&app, "access_key_issued");
        assert!(issued.iter().any(|j| j["facts"]["acted_by_sdm"] == "LAM, Kwok Wing"));

        // Applying again for the (now registered) patient answers as for anyone.
        let again = app_post(&app, "/v1/app/sdm-applications", &json!({
            "patient": patient_part(ADULT_HKIC, "LAM, Siu Wah", "1940-09-09"),
            "sdm": sdm_part(HKIC_C, "LAM, Other", FATHER_MOBILE),
            "relationship": "resides_with",
            "documents": [
                { "type": "medical_certificate_of_incapacity", "reference": "MC-77" },
                { "type": "proof_of_family_or_residence", "reference": "BILL-2" },
            ],
        }), None).await;
        let fresh = app_post(&app, "/v1/app/sdm-applications", &json!({
            "patient": patient_part("G123456(A)", "NG, Unregistered", "1941-01-01"),
            "sdm": sdm_part(HKIC_B, "NG, Other", "+85266661003"),
            "relationship": "resides_with",
            "documents": [
                { "type": "medical_certificate_of_incapacity", "reference": "MC-78" },
                { "type": "proof_of_family_or_residence", "reference": "BILL-3" },
            ],
        }), None).await;
        assert_eq!(again.status(), fresh.status());
        let (again, fresh) = (json(again).await, json(fresh).await);
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&again), keys(&fresh));
        assert_eq!(again["status"], fresh["status"]);

        // An outsider SDM to compare with: signed in, linked to no one.
        let fresh_id = fresh["id"].as_str().unwrap().to_owned();
        let code = last_code(&app, "+85266661003");
        let r = app_post(&app, &format!("/v1/app/applications/{fresh_id}/verify-mobile"), &json!({ "code": code }), None).await;
        assert_eq!(r.status(), 200);
        let (status, _) = crate::hcp::helpers::post(&app, "/v1/hcp/sdm-verifications", Some(&office), verification(&fresh_id, "G123456(A)", HKIC_B)).await;
        assert_eq!(status, 201);
        let outsider = sdm_sign_in(&app, HKIC_B, "+85266661003").await;

        // A dispute: the Office suspends the link; he is refused everywhere meanwhile.
        let (status, body) = crate::hcp::helpers::post(&app, &format!("/v1/admin/sdm-links/{link_id}/suspend"), Some(&office), json!({})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "suspended");
        refused_everywhere(&app, &son, &ehr, &outsider).await;
        let (status, _) = crate::hcp::helpers::post(&app, &format!("/v1/admin/sdm-links/{link_id}/reinstate"), Some(&office), json!({})).await;
        assert_eq!(status, 200);
        let r = acting(&app, &son, &ehr, Method::GET, "/v1/app/consents", None).await;
        assert_eq!(r.status(), 200);
        let (status, listed) = crate::hcp::helpers::get(&app, &format!("/v1/admin/patients/{ehr}/sdm-links"), &office).await;
        assert_eq!(status, 200);
        assert_eq!(listed["links"][0]["relationship"], "family_member");
        // He ends it himself; then he is an outsider too.
        let r = acting(&app, &son, &ehr, Method::DELETE, &format!("/v1/app/acting-for/{ehr}"), None).await;
        assert_eq!(r.status(), 204);
        assert!(!jobs(&app, "sdm_link_ended").is_empty());
        refused_everywhere(&app, &son, &ehr, &outsider).await;
        let (status, body) = crate::hcp::helpers::post(&app, &format!("/v1/admin/sdm-links/{link_id}/end"), Some(&office), json!({})).await;
        assert_eq!(status, 409, "{body}");
    }

    async fn a_patient_who_regains_capacity_has_the_links_ended_at_a_counter(app: TestApp) {
        demo(&app);
        let admin = clinic_admin(&app).await;
        let (_, nurse, _) = professional(&app, &admin, "nurse.capacity", "nurse").await;
        let id = apply(&app, &json!({
            "patient": patient_part(ADULT_HKIC, "LAM, Siu Wah", "1960-09-09"),
            "sdm": sdm_part(HKIC_D, "LAM, Kwok Wing", MOTHER_MOBILE),
            "relationship": "resides_with",
            "documents": [
                { "type": "medical_certificate_of_incapacity", "reference": "MC-80" },
                { "type": "proof_of_family_or_residence", "reference": "BILL-9" },
            ],
        }), MOTHER_MOBILE).await;
        let (status, body) = crate::hcp::helpers::post(&app, "/v1/hcp/sdm-verifications", Some(&nurse), verification(&id, ADULT_HKIC, HKIC_D)).await;
        assert_eq!(status, 201, "{body}");
        let ehr = body["ehr_number"].as_str().unwrap().to_owned();
        let carer = sdm_sign_in(&app, HKIC_D, MOTHER_MOBILE).await;
        let r = acting(&app, &carer, &ehr, Method::GET, "/v1/app/consents", None).await;
        assert_eq!(r.status(), 200);
        let end = json!({ "patient_id_document": { "type": "hkic", "number": ADULT_HKIC }, "patient_confirmed": false });
        let (status, body) = crate::hcp::helpers::post(&app, "/v1/hcp/sdm-links/end", Some(&nurse), end.clone()).await;
        assert_eq!(status, 400, "the patient confirms in person: {body}");
        let mut end = end;
        end["patient_confirmed"] = json!(true);
        let (status, body) = crate::hcp::helpers::post(&app, "/v1/hcp/sdm-links/end", Some(&nurse), end).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["links_ended"], 1);
        let r = acting(&app, &carer, &ehr, Method::GET, "/v1/app/consents", None).await;
        assert_eq!(r.status(), 403);
        assert_eq!(json(r).await["error"]["code"], "not_linked");
        let ended: Option<String> = sl::table.select(sl::ended_reason).first(&mut app.conn()).unwrap();
        assert_eq!(ended.as_deref(), Some("capacity_regained"));
    }
}
