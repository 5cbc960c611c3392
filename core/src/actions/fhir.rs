//! A patient's consents as FHIR R4 `Consent` resources and their access log as FHIR R4
//! `AuditEvent` resources, each set in a `searchset` Bundle, for the Office's export.
//! Every required element of the R4 definitions is filled and codes come from the value
//! sets R4 binds (see docs/counter-and-office.md for the mapping).

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::db::audit::{self, AuditEntry};
use crate::db::consents::{self, SharingConsent};
use crate::db::patients::{self, Patient};
use crate::db::{from_db, providers, DbConn};
use crate::domain::{AuditAction, AuditOutcome, ConsentStatus};
use crate::error::{CoreError, CoreResult};
use crate::ids::{EhrNumber, SdmId};
use crate::rules::consent_in_force;

pub const EHR_SYSTEM: &str = "urn:ehealth:ehr-number";
pub const HCP_SYSTEM: &str = "urn:ehealth:hcp-id";
pub const ACCOUNT_SYSTEM: &str = "urn:ehealth:account";
pub const CHANNEL_EXTENSION: &str = "urn:ehealth:fhir:StructureDefinition:consent-channel";

/// Most access-log entries exported in one Bundle.
const MAX_EVENTS: i64 = 1_000;

/// The namespace of the name-based (v5) UUIDs that identify exported audit entries: the
/// same entry always exports with the same id and fullUrl.
const AUDIT_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_3a52_9d0e_4b7a_8c21_e5f4_0b3d_9a17);

/// The RFC 4122 UUID an audit entry is exported under (version 5, from its sequence number).
pub fn audit_event_id(seq: i64) -> Uuid {
    Uuid::new_v5(&AUDIT_NAMESPACE, format!("audit-entry:{seq}").as_bytes())
}

fn instant(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn patient_of(conn: &mut DbConn, ehr: &EhrNumber) -> CoreResult<Patient> {
    patients::find_by_ehr_number(conn, ehr.as_str())?.ok_or(CoreError::NotFound("patient"))
}

fn patient_ref(p: &Patient) -> Value {
    json!({ "identifier": { "system": EHR_SYSTEM, "value": p.ehr_number }, "display": p.name_en })
}

/// A searchset Bundle: its own id, when it was made, and each resource under its UUID.
fn bundle(resources: Vec<Value>, now: DateTime<Utc>) -> Value {
    let entries: Vec<Value> = resources
        .into_iter()
        .map(|r| json!({ "fullUrl": format!("urn:uuid:{}", r["id"].as_str().unwrap_or_default()), "resource": r, "search": { "mode": "match" } }))
        .collect();
    let made = instant(now.naive_utc());
    json!({
        "resourceType": "Bundle",
        "id": Uuid::new_v4().to_string(),
        "meta": { "lastUpdated": made },
        "type": "searchset",
        "timestamp": made,
        "total": entries.len(),
        "entry": entries,
    })
}

pub fn consents_bundle(
    conn: &mut DbConn,
    ehr: &EhrNumber,
    now: DateTime<Utc>,
) -> CoreResult<Value> {
    let patient = patient_of(conn, ehr)?;
    let rows = consents::history(conn, &patient.id)?;
    let mut resources = Vec::with_capacity(rows.len());
    for c in &rows {
        let provider = providers::find(conn, &c.provider_id)?;
        let name = provider.map(|p| p.name_en).unwrap_or_default();
        let mut resource = consent_resource(&patient, c, &name, now)?;
        if let Some(sdm) = given_by_sdm(conn, c)? {
            acted_for_patient(&mut resource, &sdm, c);
        }
        resources.push(resource);
    }
    Ok(bundle(resources, now))
}

/// The SDM who gave a consent on the patient's behalf, if one did.
fn given_by_sdm(
    conn: &mut DbConn,
    c: &SharingConsent,
) -> CoreResult<Option<crate::db::sdm::SubstituteDecisionMaker>> {
    match (c.actor_kind.as_str(), c.actor_id.as_deref()) {
        ("sdm", Some(id)) => Ok(crate::db::sdm::find(conn, &SdmId::new(id))?),
        _ => Ok(None),
    }
}

/// A consent an SDM gave (issue 14): the SDM is the `performer` (a RelatedPerson acting
/// for the patient) and the party the consent was verified with.
fn acted_for_patient(
    resource: &mut Value,
    sdm: &crate::db::sdm::SubstituteDecisionMaker,
    c: &SharingConsent,
) {
    let person = json!({
        "type": "RelatedPerson",
        "identifier": { "system": "urn:ehealth:sdm", "value": sdm.id },
        "display": sdm.name_en,
    });
    resource["performer"] = json!([person]);
    resource["verification"] = json!([{
        "verified": true,
        "verifiedWith": person,
        "verificationDate": instant(c.given_at),
    }]);
}

fn consent_resource(
    patient: &Patient,
    c: &SharingConsent,
    provider_name: &str,
    now: DateTime<Utc>,
) -> CoreResult<Value> {
    let status = c.status;
    let in_force = consent_in_force(status, c.expires_at.map(from_db), now);
    let end = c.ended_at.or(c.expires_at).map(instant);
    let mut period = json!({ "start": instant(c.given_at) });
    if let Some(end) = end {
        period["end"] = json!(end);
    }
    Ok(json!({
        "resourceType": "Consent",
        "id": c.id,
        "extension": [{ "url": CHANNEL_EXTENSION, "valueCode": c.channel }],
        "identifier": [{ "system": "urn:ehealth:consent", "value": c.id }],
        "status": if status == ConsentStatus::Active && in_force { "active" } else { "inactive" },
        "scope": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy", "display": "Privacy Consent" }] },
        "category": [{ "coding": [{ "system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent" }] }],
        "patient": patient_ref(patient),
        "dateTime": instant(c.given_at),
        "performer": [{ "identifier": { "system": format!("urn:ehealth:{}", c.actor_kind), "value": c.actor_id.clone().unwrap_or_else(|| c.actor_kind.to_string()) } }],
        "organization": [{ "identifier": { "system": HCP_SYSTEM, "value": c.provider_id }, "display": provider_name }],
        "policyRule": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN", "display": "opt-in" }], "text": format!("eHealth sharing consent ({})", c.consent_type) },
        "provision": { "type": "permit", "period": period },
    }))
}

/// The patient's access log (record views, granted and refused), newest first.
pub fn audit_events_bundle(
    conn: &mut DbConn,
    ehr: &EhrNumber,
    now: DateTime<Utc>,
) -> CoreResult<Value> {
    let patient = patient_of(conn, ehr)?;
    let entries = audit::for_patient(conn, &patient.id, None, MAX_EVENTS)?;
    let resources = entries
        .iter()
        .filter(|e| e.event == AuditAction::RecordView)
        .map(|e| audit_event(&patient, e))
        .collect::<CoreResult<Vec<_>>>()?;
    Ok(bundle(resources, now))
}

fn audit_event(patient: &Patient, e: &AuditEntry) -> CoreResult<Value> {
    let (code, desc) = match e.outcome {
        AuditOutcome::Granted | AuditOutcome::Succeeded => ("0", "granted".to_owned()),
        _ => (
            "4",
            format!("refused: {}", e.reason.clone().unwrap_or_default()),
        ),
    };
    let mut agent = json!({
        "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP", "display": "information recipient" }] },
        "who": { "type": "Practitioner", "identifier": { "system": ACCOUNT_SYSTEM, "value": e.actor_id.clone().unwrap_or_default() } },
        "requestor": true,
    });
    if let Some(prof) = &e.profession {
        agent["role"] = json!([{ "text": prof }]);
    }
    if let Some(purpose) = &e.purpose {
        agent["purposeOfUse"] = json!([{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "TREAT", "display": "treatment" }], "text": purpose_text(purpose) }]);
    }
    let mut agents = vec![agent];
    // The provider the professional works for is an agent of its own (an Organization);
    // `agent.location` may only point at a Location.
    if let Some(p) = &e.provider_id {
        agents.push(json!({
            "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-RoleClass", "code": "PROV", "display": "healthcare provider" }] },
            "who": { "type": "Organization", "identifier": { "system": HCP_SYSTEM, "value": p } },
            "requestor": false,
        }));
    }
    Ok(json!({
        "resourceType": "AuditEvent",
        "id": audit_event_id(e.seq).to_string(),
        "type": { "system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110110", "display": "Patient Record" },
        "subtype": [{ "system": "http://hl7.org/fhir/restful-interaction", "code": "read", "display": "read" }],
        "action": "R",
        "recorded": instant(e.occurred_at),
        "outcome": code,
        "outcomeDesc": desc,
        "agent": agents,
        "source": { "observer": { "display": "eHealth consent platform" }, "type": [{ "system": "http://terminology.hl7.org/CodeSystem/security-source-type", "code": "4", "display": "Application Server" }] },
        "entity": [{
            "what": patient_ref(patient),
            "type": { "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "1", "display": "Person" },
            "role": { "system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1", "display": "Patient" },
            "detail": [{ "type": "data_types", "valueString": e.data_types }],
        }],
    }))
}

/// The purpose as the professional stated it, without the log's internal prefix
/// (`reason:follow-up` -> `follow-up`, `care_episode:E1` -> `care episode E1`).
fn purpose_text(purpose: &str) -> String {
    match purpose.split_once(':') {
        Some(("reason", r)) => r.to_owned(),
        Some(("care_episode", id)) => format!("care episode {id}"),
        _ => purpose.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_event_ids_are_stable_rfc4122_v5_uuids() {
        let a = audit_event_id(57);
        assert_eq!(a, audit_event_id(57));
        assert_ne!(a, audit_event_id(58));
        assert_eq!(a.get_version_num(), 5);
        assert_eq!(a.get_variant(), uuid::Variant::RFC4122);
    }

    #[test]
    fn purposes_lose_the_internal_prefix() {
        assert_eq!(purpose_text("reason:follow-up"), "follow-up");
        assert_eq!(purpose_text("care_episode:E1"), "care episode E1");
        assert_eq!(purpose_text("other"), "other");
    }
}
