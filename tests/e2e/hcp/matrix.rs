//! Role-based access control: each of the thirteen professions sees only its row of the
//! access matrix (read from the database, changeable by the Office), restricted types need
//! a reason and the patient's approval, and purpose is required.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeSet;

use diesel::prelude::*;

use ehealth_core::actions::demo::{DEMO_PASSWORD, DEMO_TOTP_SECRET};
use ehealth_core::db::matrix::{self, MatrixFile, SEED};
use ehealth_core::db::schema::data_type_policies;
use ehealth_core::domain::{DataType, Profession};
use serde_json::json;

use super::helpers::*;
use crate::support::TestApp;

fn granted(body: &serde_json::Value) -> BTreeSet<String> {
    body["granted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

async fn share_every_type(app: &TestApp, ehr: &str) -> String {
    let doctor = sign_in(
        app,
        Some(&clinic()),
        "drchan",
        DEMO_PASSWORD,
        DEMO_TOTP_SECRET,
    )
    .await;
    for t in DataType::ALL {
        share(
            app,
            &doctor,
            ehr,
            t.as_str(),
            json!({ "text": format!("a {t} record") }),
        )
        .await;
    }
    doctor
}

const ALL_TYPES: [&str; 11] = [
    "demographics",
    "encounters",
    "lab_radiology_reports",
    "observations_lifestyle",
    "allergies_adrs",
    "clinical_notes",
    "other_investigations",
    "medical_certificates",
    "diagnosis_procedures_medication",
    "birth_immunisation",
    "referrals",
];

both_backends! {
    async fn the_decisions_one_query_reads_the_row_and_the_restricted_types(app: TestApp) {
        demo(&app);
        let mut conn = app.conn();
        let dentist: BTreeSet<DataType> = [DataType::Encounters, DataType::Referrals].into();
        matrix::set_row(&mut conn, Profession::Dentist, &dentist).unwrap();
        diesel::update(data_type_policies::table.find(DataType::Referrals.as_str()))
            .set(data_type_policies::restricted.eq(true))
            .execute(&mut conn)
            .unwrap();
        for p in Profession::ALL {
            assert_eq!(
                matrix::policy_for(&mut conn, *p).unwrap(),
                (matrix::row(&mut conn, *p).unwrap(), matrix::restricted(&mut conn).unwrap()),
                "{p}"
            );
        }
        let (row, restricted) = matrix::policy_for(&mut conn, Profession::Dentist).unwrap();
        assert_eq!(row, dentist);
        assert!(restricted.contains(&DataType::Referrals));
    }

    async fn each_profession_sees_only_its_row_of_the_matrix(app: TestApp) {
        let summary = demo(&app);
        let ehr = summary.patient_ehr_number.clone();
        share_every_type(&app, &ehr).await;
        let admin = clinic_admin(&app).await;
        let seed = MatrixFile::parse(SEED).unwrap();
        for (i, profession) in Profession::ALL.iter().enumerate() {
            let (_, token, _) = professional(&app, &admin, &format!("pro{i}"), profession.as_str()).await;
            let (status, body) = view(&app, &token, &ehr, &ALL_TYPES, "treatment").await;
            assert_eq!(status, 200, "{profession}: {body}");
            let expected: BTreeSet<String> = seed.professions[profession]
                .difference(&seed.restricted)
                .map(|t| t.as_str().to_owned())
                .collect();
            assert_eq!(granted(&body), expected, "{profession}");
            let returned: BTreeSet<String> = body["records"].as_array().unwrap().iter()
                .map(|r| r["data_type"].as_str().unwrap().to_owned()).collect();
            assert_eq!(returned, expected, "{profession}: records of other types leaked");
            for w in body["withheld"].as_array().unwrap() {
                let t = DataType::parse(w["data_type"].as_str().unwrap()).unwrap();
                let why = if seed.professions[profession].contains(&t) { "restricted_needs_patient_approval" } else { "not_permitted_for_profession" };
                assert_eq!(w["reason"], why, "{profession} {t}");
            }
        }
    }

    async fn restricted_types_need_a_reason_and_the_patients_approval(app: TestApp) {
        let summary = demo(&app);
        let ehr = summary.patient_ehr_number.clone();
        let doctor = share_every_type(&app, &ehr).await;
        let (_, body) = view(&app, &doctor, &ehr, &["clinical_notes", "allergies_adrs"], "treatment").await;
        assert_eq!(body["withheld"][0]["reason"], "restricted_needs_patient_approval");

        let (status, episode) = post(&app, "/v1/hcp/care-episodes", Some(&doctor), json!({"ehr_number": ehr})).await;
        assert_eq!(status, 201, "{episode}");
        let by_episode = |ep: &str| json!({"ehr_number": ehr, "purpose": {"care_episode_id": ep}, "data_types": ["clinical_notes"]});
        let (status, body) = post(&app, "/v1/hcp/record-views", Some(&doctor), by_episode(episode["id"].as_str().unwrap())).await;
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("restricted_needs_reason")));

        let (status, body) = post(&app, "/v1/hcp/approval-requests", Some(&doctor),
            json!({"ehr_number": ehr, "data_types": ["allergies_adrs"], "reason": "treatment"})).await;
        assert_eq!((status, body["error"]["field"].as_str()), (400, Some("data_types")), "not restricted: {body}");
        // The patient also chose post: a request that lapses in a day is not sent by letter.
        {
            use ehealth_core::db::schema::patients as p;
            diesel::update(p::table.filter(p::ehr_number.eq(&ehr)))
                .set(p::notify_post.eq(true)).execute(&mut app.conn()).unwrap();
        }
        let (status, asked) = post(&app, "/v1/hcp/approval-requests", Some(&doctor),
            json!({"ehr_number": ehr, "data_types": ["clinical_notes"], "reason": "treatment"})).await;
        assert_eq!(status, 201, "{asked}");
        assert_eq!(asked["status"], "pending");
        let mut told: Vec<String> = {
            use ehealth_core::db::schema::notification_jobs as nj;
            nj::table.filter(nj::job_type.eq("approval_requested")).select(nj::channel)
                .load(&mut app.conn()).unwrap()
        };
        told.sort();
        assert_eq!(told, vec!["email", "sms"], "the patient is told at once, not by post");
        let (_, body) = view(&app, &doctor, &ehr, &["clinical_notes"], "treatment").await;
        assert_eq!(body["error"]["code"], "restricted_needs_patient_approval", "pending is not approved");
        // The patient approves in the app (the patient app's route calls this).
        let approval_id = asked["id"].as_str().unwrap().to_owned();
        let decided = ehealth_core::db::approvals::decide(&mut app.conn(), &approval_id, true, ehealth_core::domain::ActorKind::Patient, "p", chrono::Utc::now()).unwrap();
        assert!(decided);
        let (status, body) = view(&app, &doctor, &ehr, &["clinical_notes"], "treatment").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["granted"], json!(["clinical_notes"]));

        let (status, body) = post(&app, "/v1/hcp/record-views", Some(&doctor),
            json!({"ehr_number": ehr, "data_types": ["allergies_adrs"]})).await;
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("purpose_required")));
        let (status, body) = post(&app, "/v1/hcp/record-views", Some(&doctor),
            json!({"ehr_number": ehr, "purpose": {"care_episode_id": "no-such-episode"}, "data_types": ["allergies_adrs"]})).await;
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("purpose_required")));
    }

    async fn the_office_changes_a_row_and_the_change_is_audited_and_enforced(app: TestApp) {
        let summary = demo(&app);
        let ehr = summary.patient_ehr_number.clone();
        share_every_type(&app, &ehr).await;
        let admin = clinic_admin(&app).await;
        let (_, nurse, _) = professional(&app, &admin, "nurse.row", "nurse").await;
        let office = office(&app).await;
        let r = app.client.put(format!("{}/v1/admin/access-matrix/nurse", app.api)).bearer_auth(&office)
            .json(&json!({"data_types": ["demographics"]})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let (_, body) = view(&app, &nurse, &ehr, &["demographics", "allergies_adrs"], "care").await;
        assert_eq!(body["granted"], json!(["demographics"]));
        let (_, log) = get(&app, "/v1/admin/audit?event=matrix_changed", &office).await;
        let entry = &log["entries"][0];
        assert_eq!(entry["profession"], "nurse");
        assert_eq!(entry["details"]["after"], json!(["demographics"]));
        assert!(entry["details"]["before"].as_array().unwrap().len() > 1);
        // Only the Office may change it.
        let r = app.client.put(format!("{}/v1/admin/access-matrix/nurse", app.api)).bearer_auth(&admin)
            .json(&json!({"data_types": ["demographics", "clinical_notes"]})).send().await.unwrap();
        assert_eq!(r.status(), 403);
    }
}
