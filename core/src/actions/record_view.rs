//! Viewing a patient's record (SPEC §3): gather the facts, run the one access decision,
//! and in the same transaction write the audit entry and, when granted, the patient's
//! notifications. A refusal is audited and committed too, then returned as an error.

use crate::ErrorCode;
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::accounts::{self as staff_accounts, Staff};
use super::counter_consent::{find_patient, PatientRef};
use super::notify::{notify_patient, PatientEvent};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::patients::Patient;
use crate::db::records::{self, SharedRecord};
use crate::db::{approvals, consents, episodes, from_db, matrix, registrations, write_tx, DbConn};
use crate::domain::notice::{ProviderNames, RecordAccessedFacts};
use crate::domain::{AccountRole, AuditAction, AuditOutcome, DataType, Notice};
use crate::error::{CoreError, CoreResult};
use crate::ids::{AccountId, PatientId};
use crate::rules::{decide, AccessDecision, AccessFacts, Purpose, Refusal, Withheld};

/// The purpose the professional states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatedPurpose {
    CareEpisode(String),
    Reason(String),
}

#[derive(Debug, Clone)]
pub struct ViewRequest {
    pub account_id: AccountId,
    /// By eHR number or by identity document (the counter's lookup, SPEC §3).
    pub patient: PatientRef,
    pub purpose: Option<StatedPurpose>,
    pub data_types: Vec<DataType>,
}

#[derive(Debug, Clone)]
pub struct RecordView {
    pub audit_seq: i64,
    pub granted: Vec<DataType>,
    pub withheld: Vec<Withheld>,
    pub records: Vec<SharedRecord>,
}

enum Outcome {
    Granted(RecordView),
    Refused(Refusal),
    WrongRole,
}

/// Runs the decision; a refusal comes back as a `Refused` error whose code is the reason.
pub fn view(conn: &mut DbConn, req: &ViewRequest, now: DateTime<Utc>) -> CoreResult<RecordView> {
    match write_tx(conn, |conn| decide_and_record(conn, req, now))? {
        Outcome::Granted(view) => Ok(view),
        Outcome::Refused(r) => Err(CoreError::refused(r.error_code(), refusal_message(r))),
        Outcome::WrongRole => Err(CoreError::refused(
            ErrorCode::WrongRole,
            "only a healthcare professional's account can view records",
        )),
    }
}

fn decide_and_record(
    conn: &mut DbConn,
    req: &ViewRequest,
    now: DateTime<Utc>,
) -> CoreResult<Outcome> {
    let staff = staff_accounts::load(conn, &req.account_id)?;
    let patient = find_patient(conn, &req.patient)?;
    let (Some(provider), Some(profession), AccountRole::Hcprof) =
        (&staff.provider, staff.profession, staff.role)
    else {
        audit_view(
            conn,
            &staff,
            patient.as_ref(),
            req,
            AuditOutcome::Refused,
            "wrong_role",
            &[],
            now,
        )?;
        return Ok(Outcome::WrongRole);
    };
    let (matrix_row, restricted) = matrix::policy_for(conn, profession)?;
    let (consent, approved, purpose) = match &patient {
        Some(p) => (
            consents::current(conn, &p.id, &provider.id)?
                .map(|c| Ok::<_, CoreError>((c.status, c.expires_at.map(from_db))))
                .transpose()?,
            approvals::approved_types(conn, &p.id, &provider.id, now)?,
            purpose_of(conn, req.purpose.as_ref(), &p.id, &provider.id)?,
        ),
        None => (None, BTreeSet::new(), Purpose::None),
    };
    let facts = AccessFacts {
        now,
        patient: patient.as_ref().map(|p| p.status),
        provider_status: provider.status,
        provider_is_public_body: provider.public_body.is_some(),
        account_status: staff.account.status,
        account_at_provider: staff.account.provider_id.as_deref() == Some(provider.id.as_str()),
        registration_expires_on: registrations::registration(conn, &staff.account.id)?
            .map(|r| r.expires_on),
        consent,
        purpose,
        requested: &req.data_types,
        matrix_row: &matrix_row,
        restricted: &restricted,
        approved: &approved,
    };
    let decision = decide(&facts);
    match (decision, patient) {
        (
            AccessDecision::Granted {
                data_types,
                withheld,
            },
            Some(patient),
        ) => granted(conn, &staff, &patient, req, data_types, withheld, now).map(Outcome::Granted),
        (AccessDecision::Refused(r), patient) => {
            let answered = answer_for(&req.patient, r, &facts);
            audit_view(
                conn,
                &staff,
                patient.as_ref(),
                req,
                AuditOutcome::Refused,
                r.code(),
                &[],
                now,
            )?;
            Ok(Outcome::Refused(answered))
        }
        (AccessDecision::Granted { .. }, None) => {
            Ok(Outcome::Refused(Refusal::PatientNotRegistered))
        }
    }
}

fn granted(
    conn: &mut DbConn,
    staff: &Staff,
    patient: &Patient,
    req: &ViewRequest,
    data_types: Vec<DataType>,
    withheld: Vec<Withheld>,
    now: DateTime<Utc>,
) -> CoreResult<RecordView> {
    let reason = if withheld.is_empty() {
        "granted"
    } else {
        "granted_in_part"
    };
    let entry = audit_view(
        conn,
        staff,
        Some(patient),
        req,
        AuditOutcome::Granted,
        reason,
        &withheld,
        now,
    )?;
    let records = records::of_types(conn, &patient.id, &data_types)?;
    let provider = staff.provider.as_ref();
    let event = PatientEvent {
        event_id: format!("view:{}", entry.seq),
        notice: Notice::RecordAccessed(RecordAccessedFacts {
            audit_seq: entry.seq,
            provider: ProviderNames {
                provider_id: provider.map(|p| p.id.clone()),
                provider_name_en: provider.map(|p| p.name_en.clone()),
                provider_name_zh: provider.map(|p| p.name_zh.clone()),
            },
            access_times: None,
        }),
    };
    notify_patient(conn, patient, &event, now)?;
    Ok(RecordView {
        audit_seq: entry.seq,
        granted: data_types,
        withheld,
        records,
    })
}

/// The access-audit entry: who, provider, profession, patient, types, purpose, outcome,
/// reason.
#[allow(clippy::too_many_arguments)]
fn audit_view(
    conn: &mut DbConn,
    staff: &Staff,
    patient: Option<&Patient>,
    req: &ViewRequest,
    outcome: AuditOutcome,
    reason: &str,
    withheld: &[Withheld],
    now: DateTime<Utc>,
) -> CoreResult<audit::AuditEntry> {
    let mut entry = NewAuditEntry::new(AuditAction::RecordView, staff.actor(), outcome)
        .reason(reason)
        .details(json!({
            "looked_up_by": looked_up_by(&req.patient),
            "ehr_number": match &req.patient {
                PatientRef::Ehr(e) => Some(e.as_str()),
                PatientRef::Document(_) => None,
            },
            "id_document_type": match &req.patient {
                PatientRef::Ehr(_) => None,
                PatientRef::Document(d) => Some(d.kind().as_str()),
            },
            "withheld": withheld.iter().map(|w| json!({
                "data_type": w.data_type.as_str(), "reason": w.reason.code()
            })).collect::<Vec<_>>(),
        }));
    entry.profession = staff.profession;
    entry.data_types = req.data_types.clone();
    entry.purpose = req.purpose.as_ref().map(|p| match p {
        StatedPurpose::CareEpisode(id) => format!("care_episode:{id}"),
        StatedPurpose::Reason(r) => format!("reason:{r}"),
    });
    if let Some(p) = staff.provider_id() {
        entry = entry.provider(p);
    }
    if let Some(p) = patient {
        entry = entry.patient(&p.id);
    }
    Ok(audit::append(conn, &entry, now)?)
}

fn looked_up_by(who: &PatientRef) -> &'static str {
    match who {
        PatientRef::Ehr(_) => "ehr_number",
        PatientRef::Document(_) => "id_document",
    }
}

/// What the professional is told. Looked up by eHR number, the reason itself (as before
/// issue 16: an eHR number is random and given by the patient). Looked up by identity
/// document, an unknown or withdrawn holder is answered as a registered patient without
/// this provider's consent would be (the decision run again on those facts, so that a
/// provider or account refusal comes first exactly as it would for a participant): a
/// professional typing identity card numbers learns nothing about who is registered. The
/// audit entry keeps the true reason.
fn answer_for(who: &PatientRef, refusal: Refusal, facts: &AccessFacts<'_>) -> Refusal {
    let hides_participation = matches!(
        refusal,
        Refusal::PatientNotRegistered | Refusal::PatientWithdrawn
    );
    if !hides_participation || matches!(who, PatientRef::Ehr(_)) {
        return refusal;
    }
    let as_participant = AccessFacts {
        patient: Some(crate::domain::PatientStatus::Registered),
        consent: None,
        provider_is_public_body: false,
        ..facts.clone()
    };
    match decide(&as_participant) {
        AccessDecision::Refused(r) => r,
        AccessDecision::Granted { .. } => Refusal::NoSharingConsent,
    }
}

fn purpose_of(
    conn: &mut DbConn,
    stated: Option<&StatedPurpose>,
    patient_id: &PatientId,
    provider_id: &str,
) -> CoreResult<Purpose> {
    Ok(match stated {
        None => Purpose::None,
        Some(StatedPurpose::Reason(r)) => Purpose::Reason(r.clone()),
        Some(StatedPurpose::CareEpisode(id)) => {
            let open = episodes::find(conn, id)?.is_some_and(|e| {
                &e.patient_id == patient_id && e.provider_id == provider_id && e.ended_at.is_none()
            });
            Purpose::CareEpisode {
                open_at_provider: open,
            }
        }
    })
}

fn refusal_message(r: Refusal) -> String {
    match r {
        Refusal::PatientNotRegistered => "no registered participant has this eHR number".into(),
        Refusal::RegistrationExpired => {
            "your professional registration has expired: the user administrator records its renewal"
                .into()
        }
        Refusal::PatientWithdrawn => "this participant has withdrawn from eHealth".into(),
        Refusal::ProviderNotRegistered(s) => {
            format!("this provider is {s} and cannot view records")
        }
        Refusal::AccountNotActive => "this account is disabled".into(),
        Refusal::AccountNotAtProvider => "this account does not work at this provider".into(),
        Refusal::NoSharingConsent => {
            "the patient has not given this provider sharing consent".into()
        }
        Refusal::NoPurpose => "state the purpose: an open care episode here, or a reason".into(),
        Refusal::NoDataTypesRequested => "ask for at least one data type".into(),
        Refusal::NotPermittedForProfession => "your profession may not see these data types".into(),
        Refusal::RestrictedNeedsReason => "restricted data types need a stated reason".into(),
        Refusal::RestrictedNeedsPatientApproval => {
            "restricted data types need the patient's approval in the app".into()
        }
    }
}
