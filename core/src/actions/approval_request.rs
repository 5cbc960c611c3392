//! An HCProf asks the patient's additional consent for restricted data types (SPEC §3,
//! condition 7). The request waits in the app (`GET /v1/app/approvals`) for the patient or
//! SDM to approve or deny; an approval lasts `APPROVAL_HOURS`.

use crate::ErrorCode;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::accounts::Staff;
use super::active_patient;
use super::notify::{notify_patient, PatientEvent};
use crate::db::approvals::{self, Approval};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::{new_id, patients, to_db, write_tx, DbConn};
use crate::domain::notice::{ApprovalRequestedFacts, ProviderNames};
use crate::domain::{AccountRole, ApprovalStatus, AuditAction, AuditOutcome, DataType, Notice};
use crate::error::{CoreError, CoreResult};
use crate::ids::EhrNumber;

/// How long an approval (or a request waiting for one) lasts.
pub const APPROVAL_HOURS: i64 = 24;

pub fn request(
    conn: &mut DbConn,
    staff: &Staff,
    ehr: &EhrNumber,
    data_types: &[DataType],
    reason: &str,
    now: DateTime<Utc>,
) -> CoreResult<Approval> {
    staff.require(AccountRole::Hcprof)?;
    let reason = reason.trim();
    if reason.is_empty() || reason.len() > 500 {
        return Err(CoreError::invalid("reason", "must be 1 to 500 characters"));
    }
    if data_types.is_empty() {
        return Err(CoreError::invalid(
            "data_types",
            "name at least one restricted type",
        ));
    }
    let provider_id = staff
        .provider_id()
        .ok_or_else(|| CoreError::refused(ErrorCode::WrongRole, "a provider's account is needed"))?
        .to_owned();
    write_tx(conn, |conn| {
        let restricted = crate::db::matrix::restricted(conn)?;
        if let Some(t) = data_types.iter().find(|t| !restricted.contains(t)) {
            return Err(CoreError::invalid(
                "data_types",
                format!("{t} is not under restricted control; no approval is needed"),
            ));
        }
        let patient = patients::find_by_ehr_number(conn, ehr.as_str())?
            .ok_or(CoreError::NotFound("patient"))?;
        let patient = active_patient(conn, &patient.id)?;
        let approval = Approval {
            id: new_id(),
            patient_id: patient.id.clone(),
            provider_id: provider_id.clone(),
            account_id: staff.account.id.clone(),
            data_types: DataType::join(data_types),
            reason: reason.to_owned(),
            status: ApprovalStatus::Pending,
            created_at: to_db(now),
            expires_at: to_db(now + Duration::hours(APPROVAL_HOURS)),
            decided_at: None,
            decided_by_kind: None,
            decided_by_id: None,
        };
        approvals::insert(conn, &approval)?;
        let mut entry = NewAuditEntry::new(
            AuditAction::ApprovalRequested,
            staff.actor(),
            AuditOutcome::Succeeded,
        )
        .patient(&patient.id)
        .provider(&provider_id)
        .details(json!({ "approval_id": approval.id }));
        entry.profession = staff.profession;
        entry.data_types = data_types.to_vec();
        entry.purpose = Some(format!("reason:{reason}"));
        audit::append(conn, &entry, now)?;
        // Told by SMS, email and push as well as in the app's inbox: the HCProf is waiting
        // and the request expires within hours (hence no letter).
        let provider = staff.provider.as_ref();
        let event = PatientEvent {
            event_id: format!("approval:{}", approval.id),
            notice: Notice::ApprovalRequested(ApprovalRequestedFacts {
                approval_id: approval.id.clone(),
                provider: ProviderNames {
                    provider_id: Some(provider_id.clone()),
                    provider_name_en: provider.map(|p| p.name_en.clone()),
                    provider_name_zh: provider.map(|p| p.name_zh.clone()),
                },
            }),
        };
        notify_patient(conn, &patient, &event, now)?;
        Ok(approval)
    })
}
