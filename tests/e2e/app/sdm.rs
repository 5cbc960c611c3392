//! A substitute decision maker signs in as themselves and acts for a linked patient; the
//! acts record the SDM as the actor.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use ehealth_core::db::schema::audit_log as log;
use ehealth_core::db::sdm::{self, SdmLink, SubstituteDecisionMaker};
use ehealth_core::db::{new_id, patients, to_db};
use reqwest::Method;
use serde_json::json;

use super::helpers::*;
use crate::support::{json, TestApp};

const SDM_HKIC: &str = "D123456(1)";
const SDM_MOBILE: &str = "+85266660000";

/// An SDM (document D123456(1)) linked to the patient with `ehr`; returns the SDM id.
fn sdm_for(app: &TestApp, ehr: &str) -> String {
    let mut conn = app.conn();
    let patient = patients::find_by_ehr_number(&mut conn, ehr)
        .unwrap()
        .unwrap();
    let now = Utc::now();
    let maker = SubstituteDecisionMaker {
        id: ehealth_core::ids::SdmId::generate(),
        id_doc_key: "hkic:D1234561".into(),
        name_en: "LEE, Mei".into(),
        name_zh: None,
        date_of_birth: NaiveDate::from_ymd_opt(1970, 5, 6).unwrap(),
        mobile: SDM_MOBILE.into(),
        email: None,
        created_at: to_db(now),
        language: ehealth_core::domain::Language::English,
    };
    sdm::insert(&mut conn, &maker).unwrap();
    let link = SdmLink {
        id: new_id(),
        sdm_id: maker.id.clone(),
        patient_id: patient.id,
        basis: ehealth_core::rules::sdm::Basis::Minor,
        relationship: "parent".into(),
        valid_from: to_db(now),
        ended_at: None,
        status: ehealth_core::domain::SdmLinkStatus::Active,
        documents: "[]".into(),
        ended_reason: None,
    };
    sdm::insert_link(&mut conn, &link).unwrap();
    maker.id.into()
}

async fn sdm_sign_in(app: &TestApp) -> String {
    let body = json!({ "id_document": { "type": "hkic", "number": SDM_HKIC }, "date_of_birth": "1970-05-06", "as_sdm": true });
    let r = post(app, "/v1/app/sessions/otp", &body, None).await;
    assert_eq!(r.status(), 202);
    let challenge = json(r).await["challenge_id"].as_str().unwrap().to_owned();
    let code = last_code(app, SDM_MOBILE);
    let r = post(
        app,
        "/v1/app/sessions/otp/verify",
        &json!({ "challenge_id": challenge, "code": code }),
        None,
    )
    .await;
    assert_eq!(r.status(), 201);
    let body = json(r).await;
    assert_eq!(body["subject_kind"], "sdm");
    body["token"].as_str().unwrap().to_owned()
}

both_backends! {
    async fn an_sdm_acts_for_a_linked_patient_and_is_recorded_as_the_actor(app: TestApp) {
        let app = app.with_demo();
        let (ehr, _, _) = patient(&app, HKIC_B, "+85266660001").await;
        let (other_ehr, _, _) = patient(&app, HKIC_C, "+85266660002").await;
        let sdm_id = sdm_for(&app, &ehr);
        let token = sdm_sign_in(&app).await;
        let path = format!("/v1/app/consents/{}", clinic());
        let acting = |method: Method, path: &str, for_ehr: &str| {
            app.client.request(method, format!("{}{path}", app.api)).bearer_auth(&token).header("X-Acting-For", for_ehr.to_owned())
        };
        let r = acting(Method::PUT, &path, &ehr).json(&json!({ "type": "one_year" })).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let consent = json(r).await;
        assert_eq!(consent["given_by"], "sdm");
        assert_eq!(consent["given_by_id"], sdm_id);
        // The portal's names for the same fields (one shape for a consent everywhere).
        assert_eq!(consent["actor_kind"], "sdm");
        assert_eq!(consent["provider_id"], clinic());
        let r = acting(Method::GET, "/v1/app/me", &ehr).send().await.unwrap();
        assert_eq!(json(r).await["ehr_number"], ehr);
        // The audit log names the SDM.
        let actors: Vec<(String, Option<String>)> = log::table
            .filter(log::event.eq("consent_given"))
            .select((log::actor_kind, log::actor_id))
            .load(&mut app.conn())
            .unwrap();
        assert!(actors.contains(&("sdm".to_owned(), Some(sdm_id.clone()))));
        // Not for a patient they are not linked to; not without naming the patient.
        let r = acting(Method::GET, "/v1/app/me", &other_ehr).send().await.unwrap();
        assert_eq!(r.status(), 403);
        assert_eq!(json(r).await["error"]["code"], "not_linked");
        // Naming no patient: /me answers about the SDM (whom they act for); other routes
        // need the patient named.
        let r = send(&app, Method::GET, "/v1/app/me", Some(&token), None).await;
        assert_eq!(r.status(), 200);
        let me = json(r).await;
        assert_eq!(me["subject_kind"], "sdm");
        assert_eq!(me["acts_for"][0]["ehr_number"], ehr);
        let r = send(&app, Method::GET, "/v1/app/consents", Some(&token), None).await;
        assert_eq!(r.status(), 400);
        assert_eq!(json(r).await["error"]["field"], "X-Acting-For");
        // The patient's own phone and inbox stay the patient's.
        let r = acting(Method::GET, "/v1/app/notifications", &ehr).send().await.unwrap();
        assert_eq!(r.status(), 403);
    }
}
