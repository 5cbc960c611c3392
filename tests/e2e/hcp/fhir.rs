//! FHIR R4 export: a patient's consents as `Consent` and access log as `AuditEvent`,
//! checked against the R4 definitions' required elements (min cardinality 1), the
//! required-strength value sets of the codes used, the `ppc-1` invariant (policy or
//! policyRule), and the instant/dateTime formats; then by an independent FHIR R4
//! implementation (scripts/fhir-validate.py: Python's fhir.resources 6.1, FHIR 4.0.1).
//! Errors on the FHIR routes are OperationOutcomes.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

use super::helpers::*;
use crate::support::TestApp;

fn is_instant(v: &Value) -> bool {
    // R4 instant: YYYY-MM-DDThh:mm:ss(.sss)(Z|+hh:mm), seconds and zone required.
    let s = v.as_str().unwrap_or("");
    s.len() >= 20
        && s.as_bytes()[10] == b'T'
        && (s.ends_with('Z') || s[19..].contains('+'))
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

fn has_coding(v: &Value) -> bool {
    v["coding"].as_array().is_some_and(|c| {
        c.iter()
            .all(|c| c["system"].is_string() && c["code"].is_string())
            && !c.is_empty()
    })
}

fn check_bundle(b: &Value) -> &Vec<Value> {
    assert_eq!(b["resourceType"], "Bundle");
    assert_eq!(b["type"], "searchset");
    let entries = b["entry"].as_array().unwrap();
    assert_eq!(
        usize::try_from(b["total"].as_u64().unwrap()).unwrap(),
        entries.len()
    );
    assert!(b["id"]
        .as_str()
        .is_some_and(|id| uuid::Uuid::parse_str(id).is_ok()));
    assert!(is_instant(&b["meta"]["lastUpdated"]) && is_instant(&b["timestamp"]));
    for e in entries {
        let url = e["fullUrl"].as_str().unwrap();
        let id = url.strip_prefix("urn:uuid:").expect("urn:uuid:");
        let parsed = uuid::Uuid::parse_str(id).expect("an RFC 4122 UUID");
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(
            parsed.hyphenated().to_string(),
            id,
            "lower-case, hyphenated"
        );
        assert_eq!(e["resource"]["id"], json!(id), "fullUrl names the resource");
    }
    entries
}

/// The interpreter with fhir.resources: `EHEALTH_FHIR_PYTHON`, else the virtualenv
/// scripts/ci-deps.sh makes, else `python3`. `None` when none can import it, which fails
/// the test when `EHEALTH_TEST_FHIR=required` (CI), as PostgreSQL does.
fn fhir_python() -> Option<String> {
    let candidates = match std::env::var("EHEALTH_FHIR_PYTHON") {
        Ok(p) => vec![p],
        Err(_) => vec![
            "/opt/ehealth-fhir/bin/python3".to_owned(),
            "python3".to_owned(),
        ],
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/fhir-validate.py");
    let found = candidates.into_iter().find(|py| {
        Command::new(py)
            .args([script, "--check-import"])
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        assert_ne!(
            std::env::var("EHEALTH_TEST_FHIR").as_deref(),
            Ok("required"),
            "EHEALTH_TEST_FHIR=required but no python3 can import fhir.resources (scripts/ci-deps.sh)"
        );
        eprintln!("skipping the independent FHIR validation: fhir.resources is not installed");
    }
    found
}

/// Writes each document to a file and has the independent validator read them all.
fn validate_independently(dir: &Path, docs: &[(&str, &Value)]) {
    let Some(python) = fhir_python() else { return };
    let paths: Vec<_> = docs
        .iter()
        .map(|(name, doc)| {
            let path = dir.join(format!("{name}.json"));
            std::fs::write(&path, doc.to_string()).unwrap();
            path
        })
        .collect();
    let out = Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/fhir-validate.py"
        ))
        .args(&paths)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        said.matches(": valid FHIR R4").count(),
        docs.len(),
        "{said}"
    );
}

/// An error on a FHIR route: the status, as an OperationOutcome with our code.
async fn fhir_error(app: &TestApp, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut req = app.client.get(format!("{}{path}", app.api));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/fhir+json");
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["resourceType"], "OperationOutcome", "{body}");
    assert_eq!(body["issue"][0]["severity"], "error");
    (status, body)
}

fn check_consent(c: &Value) {
    assert_eq!(c["resourceType"], "Consent");
    // status 1..1, required binding consent-state-codes.
    assert!([
        "draft",
        "proposed",
        "active",
        "rejected",
        "inactive",
        "entered-in-error"
    ]
    .contains(&c["status"].as_str().unwrap()));
    // scope 1..1 (extensible consent-scope), category 1..*.
    assert!(has_coding(&c["scope"]));
    assert_eq!(c["scope"]["coding"][0]["code"], "patient-privacy");
    assert!(c["category"]
        .as_array()
        .is_some_and(|a| !a.is_empty() && a.iter().all(has_coding)));
    // ppc-1: either a policy or a policyRule.
    assert!(c["policyRule"].is_object() || c["policy"].is_array());
    assert!(c["patient"]["identifier"]["value"].is_string());
    assert!(is_instant(&c["dateTime"]));
    // provision.type is required-bound to deny | permit.
    assert!(["deny", "permit"].contains(&c["provision"]["type"].as_str().unwrap()));
    assert!(is_instant(&c["provision"]["period"]["start"]));
    for ext in c["extension"].as_array().unwrap() {
        assert!(
            ext["url"].is_string() && ext["valueCode"].is_string(),
            "ext-1: url and a value"
        );
    }
}

fn check_audit_event(a: &Value) {
    assert_eq!(a["resourceType"], "AuditEvent");
    // type 1..1 Coding; recorded 1..1 instant; agent 1..* with requestor 1..1; source 1..1
    // with observer 1..1.
    assert!(a["type"]["system"].is_string() && a["type"]["code"].is_string());
    assert!(is_instant(&a["recorded"]));
    let agents = a["agent"].as_array().unwrap();
    assert!(!agents.is_empty() && agents.iter().all(|g| g["requestor"].is_boolean()));
    // agent.location is Reference(Location): never an organisation.
    assert!(agents.iter().all(|g| g.get("location").is_none()));
    for g in agents {
        for p in g["purposeOfUse"].as_array().into_iter().flatten() {
            assert!(
                !p["text"].as_str().unwrap_or("").contains(':'),
                "no internal prefix: {p}"
            );
        }
    }
    assert!(a["source"]["observer"].is_object());
    // action and outcome are required-bound.
    assert!(["C", "R", "U", "D", "E"].contains(&a["action"].as_str().unwrap()));
    assert!(["0", "4", "8", "12"].contains(&a["outcome"].as_str().unwrap()));
    // sev-1 on entity: not both query and name; what is a Reference.
    for e in a["entity"].as_array().unwrap() {
        assert!(!(e["query"].is_string() && e["name"].is_string()));
        for d in e["detail"].as_array().unwrap() {
            assert!(d["type"].is_string() && d["valueString"].is_string());
        }
    }
}

both_backends! {
    async fn consents_and_access_log_export_as_valid_fhir_r4(app: TestApp) {
        let summary = demo(&app);
        let ehr = summary.patient_ehr_number.clone();
        let admin = clinic_admin(&app).await;
        let (_, nurse, _) = professional(&app, &admin, "nurse.fhir", "nurse").await;
        let (status, _) = view(&app, &nurse, &ehr, &["allergies_adrs"], "care").await;
        assert_eq!(status, 200);
        let (status, _) = view(&app, &nurse, &ehr, &["clinical_notes"], "care").await;
        assert_eq!(status, 403);
        let office = office(&app).await;

        let r = app.client.get(format!("{}/v1/admin/patients/{ehr}/fhir/Consent", app.api)).bearer_auth(&office).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/fhir+json");
        let consents: Value = r.json().await.unwrap();
        let entries = check_bundle(&consents);
        assert_eq!(entries.len(), 3, "deemed HA, deemed DH, and the clinic");
        for e in entries {
            check_consent(&e["resource"]);
        }
        let clinic_consent = entries.iter().map(|e| &e["resource"])
            .find(|c| c["organization"][0]["identifier"]["value"] == json!(clinic())).unwrap();
        assert_eq!(clinic_consent["status"], "active");
        assert_eq!(clinic_consent["extension"][0]["valueCode"], "form");

        let (status, events) = get(&app, &format!("/v1/admin/patients/{ehr}/fhir/AuditEvent"), &office).await;
        assert_eq!(status, 200);
        let entries = check_bundle(&events);
        assert_eq!(entries.len(), 2);
        for e in entries {
            check_audit_event(&e["resource"]);
        }
        assert_eq!(entries[0]["resource"]["outcome"], "4", "newest first: the refusal");
        assert_eq!(entries[1]["resource"]["outcome"], "0");
        assert_eq!(entries[1]["resource"]["entity"][0]["detail"][0]["valueString"], "allergies_adrs");

        let org = &entries[1]["resource"]["agent"][1];
        assert_eq!(org["who"]["type"], "Organization");
        assert_eq!(org["who"]["identifier"]["value"], json!(clinic()));
        assert_eq!(entries[1]["resource"]["agent"][0]["purposeOfUse"][0]["text"], "care");
        let (_, again) = get(&app, &format!("/v1/admin/patients/{ehr}/fhir/AuditEvent"), &office).await;
        assert_eq!(again["entry"][0]["fullUrl"], entries[0]["fullUrl"], "stable per audit entry");
        assert_ne!(again["id"], events["id"], "each Bundle its own id");

        let base = format!("/v1/admin/patients/{ehr}/fhir");
        let (status, forbidden) = fhir_error(&app, &format!("{base}/Consent"), Some(&nurse)).await;
        assert_eq!((status, forbidden["issue"][0]["code"].as_str()), (403, Some("forbidden")), "only the Office exports");
        let (status, anonymous) = fhir_error(&app, &format!("{base}/AuditEvent"), None).await;
        assert_eq!((status, anonymous["issue"][0]["code"].as_str()), (401, Some("login")));
        let (status, bad) = fhir_error(&app, "/v1/admin/patients/12/fhir/Consent", Some(&office)).await;
        assert_eq!((status, bad["issue"][0]["code"].as_str()), (400, Some("invalid")));
        let (status, unknown) = fhir_error(&app, "/v1/admin/patients/000000000000/fhir/Consent", Some(&office)).await;
        assert_eq!((status, unknown["issue"][0]["code"].as_str()), (404, Some("not-found")));
        let (status, other) = fhir_error(&app, &format!("{base}/Patient"), Some(&office)).await;
        assert_eq!(status, 404);
        assert_eq!(other["issue"][0]["details"]["coding"][0]["code"], "fhir_type_unsupported");

        let dir = tempfile::TempDir::new().unwrap();
        validate_independently(dir.path(), &[
            ("consents", &consents), ("audit-events", &events), ("forbidden", &forbidden),
            ("anonymous", &anonymous), ("bad", &bad), ("unknown", &unknown), ("other", &other),
        ]);
    }
}

/// An SDM (made through core, as the counter's verification would) linked to the demo
/// patient; returns the SDM's id.
fn sdm_of_demo_patient(app: &TestApp, ehr: &str) -> String {
    use ehealth_core::db::sdm::{self, SdmLink, SubstituteDecisionMaker};
    use ehealth_core::db::{new_id, patients, to_db};
    let mut conn = app.conn();
    let patient = patients::find_by_ehr_number(&mut conn, ehr)
        .unwrap()
        .unwrap();
    let now = chrono::Utc::now();
    let maker = SubstituteDecisionMaker {
        id: ehealth_core::ids::SdmId::generate(),
        id_doc_key: "hkic:D1234561".into(),
        name_en: "CHAN, Mei".into(),
        name_zh: None,
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1970, 5, 6).unwrap(),
        mobile: "+85266660000".into(),
        email: None,
        created_at: to_db(now),
        language: ehealth_core::domain::Language::English,
    };
    sdm::insert(&mut conn, &maker).unwrap();
    let link = SdmLink {
        id: new_id(),
        sdm_id: maker.id.clone(),
        patient_id: patient.id,
        basis: ehealth_core::rules::sdm::Basis::LackingCapacity,
        relationship: "family_member".into(),
        valid_from: to_db(now),
        ended_at: None,
        status: ehealth_core::domain::SdmLinkStatus::Active,
        documents: "[]".into(),
        ended_reason: None,
    };
    sdm::insert_link(&mut conn, &link).unwrap();
    maker.id.into()
}

mod sdm_performer {
    use super::*;

    both_backends! {
        async fn a_consent_an_sdm_gave_names_them_as_performer_and_verifier(app: TestApp) {
            use ehealth_core::actions::consent::{self, ConsentRequest};
            use ehealth_core::domain::{Actor, ActorKind, ConsentChannel, ConsentType};
            use ehealth_core::ids::ProviderId;
            let summary = demo(&app);
            let ehr = summary.patient_ehr_number.clone();
            let sdm_id = sdm_of_demo_patient(&app, &ehr);
            let patient_id = ehealth_core::db::patients::find_by_ehr_number(&mut app.conn(), &ehr).unwrap().unwrap().id;
            let dental = ProviderId::from_serial(1002).unwrap();
            consent::give(&mut app.conn(), &ConsentRequest {
                patient_id,
                provider_id: dental.clone(),
                consent_type: ConsentType::Indefinite,
                channel: ConsentChannel::App,
                actor: Actor::new(ActorKind::Sdm, sdm_id.clone()),
            }, chrono::Utc::now()).unwrap();
            let office = office(&app).await;
            let r = app.client.get(format!("{}/v1/admin/patients/{ehr}/fhir/Consent", app.api)).bearer_auth(&office).send().await.unwrap();
            assert_eq!(r.status(), 200);
            let consents: Value = r.json().await.unwrap();
            let entries = check_bundle(&consents);
            for e in entries {
                check_consent(&e["resource"]);
            }
            let given = entries.iter().map(|e| &e["resource"])
                .find(|c| c["organization"][0]["identifier"]["value"] == json!(dental.as_str())).unwrap();
            assert_eq!(given["performer"][0]["type"], "RelatedPerson");
            assert_eq!(given["performer"][0]["identifier"]["value"], json!(sdm_id));
            assert_eq!(given["performer"][0]["display"], "CHAN, Mei");
            assert_eq!(given["verification"][0]["verified"], true);
            assert_eq!(given["verification"][0]["verifiedWith"]["identifier"]["value"], json!(sdm_id));
            // A consent the patient or a professional recorded names no SDM.
            let other = entries.iter().map(|e| &e["resource"])
                .find(|c| c["organization"][0]["identifier"]["value"] == json!(clinic())).unwrap();
            assert!(other.get("verification").is_none());
            let dir = tempfile::TempDir::new().unwrap();
            validate_independently(dir.path(), &[("sdm-consents", &consents)]);
        }
    }
}
