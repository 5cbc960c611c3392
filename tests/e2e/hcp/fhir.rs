//! FHIR R4 export: a patient's consents as `Consent` and access log as `AuditEvent`,
//! checked against the R4 definitions' required elements (min cardinality 1), the
//! required-strength value sets of the codes used, the `ppc-1` invariant (policy or
//! policyRule), and the instant/dateTime formats.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use serde_json::{json, Value};

use super::helpers::*;

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
    assert_eq!(b["total"].as_u64().unwrap() as usize, entries.len());
    for e in entries {
        assert!(e["fullUrl"].as_str().unwrap().starts_with("urn:uuid:"));
    }
    entries
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

        let (status, _) = get(&app, &format!("/v1/admin/patients/{ehr}/fhir/Consent"), &nurse).await;
        assert_eq!(status, 403, "only the Office exports");
    }
}
