//! Links between substitute decision makers and the patients they act for (issue 14):
//! made when a counter or the Office verifies an SDM application; ended by the Office, the
//! SDM, a counter (capacity regained) or the 16th birthday; suspended by the Office.

use crate::ErrorCode;
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde_json::json;

use super::accounts::Staff;
use super::identity_verification::particulars_of;
use super::notify::{notify_patient, notify_sdm, PatientEvent};
use super::registration::{self, Registered};
use crate::db::applications::{self};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::patients::{self, Patient};
use crate::db::sdm::{self, SdmApplication, SdmLink, SubstituteDecisionMaker};
use crate::db::{new_id, to_db, write_tx, DbConn};
use crate::domain::notice::{SdmActsForFacts, SdmLinkEndedFacts, SdmLinkedFacts};
use crate::domain::{
    AccountRole, Actor, ApplicationStatus, AuditAction, AuditOutcome, Notice, NotificationKind,
    PatientStatus, SdmEndReason, SdmLinkStatus,
};
use crate::error::{CoreError, CoreResult};
use crate::hong_kong_time::hong_kong_date;
use crate::ids::{IdentityDocument, ProviderId, SdmId};
use crate::rules::sdm::AGE_OF_MAJORITY;
use crate::secret::SecretHasher;

/// What the counter checked: both identity documents and the relationship documents.
#[derive(Debug, Clone)]
pub struct SdmVerification {
    pub application_id: String,
    pub patient_document: IdentityDocument,
    pub sdm_document: IdentityDocument,
    pub relationship_documents_checked: bool,
}

#[derive(Debug)]
pub struct Linked {
    pub link: SdmLink,
    pub patient: Patient,
    pub sdm: SubstituteDecisionMaker,
    /// Set when the patient was registered in this step (the first access key, shown once).
    pub registered: Option<Registered>,
}

/// Who may verify: an HCProf at a provider, or the Office.
fn verifier(staff: &Staff) -> CoreResult<Option<ProviderId>> {
    match staff.role {
        AccountRole::Office => Ok(None),
        AccountRole::Hcprof => staff.provider_id().map(ProviderId::parse).transpose(),
        AccountRole::UserAdmin => Err(CoreError::refused(
            ErrorCode::WrongRole,
            "this needs an hcprof or office account",
        )),
    }
}

fn not_linked() -> CoreError {
    CoreError::refused(ErrorCode::NotLinked, "you do not act for this patient")
}

/// Completes a pending SDM application: the patient registered if not already, the SDM
/// known, the link made, both told — in one transaction. Concurrent duplicates: the
/// application moves once (compare-and-set), so one link only.
pub fn complete(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    staff: &Staff,
    req: &SdmVerification,
    now: DateTime<Utc>,
) -> CoreResult<Linked> {
    let provider = verifier(staff)?;
    if !req.relationship_documents_checked {
        return Err(CoreError::invalid(
            "relationship_documents_checked",
            "check the documents that prove the relationship",
        ));
    }
    let actor = staff.actor();
    write_tx(conn, |conn| {
        let app = applications::find(conn, &req.application_id)?
            .ok_or(CoreError::NotFound("application"))?;
        let pending = sdm::application(conn, &app.id)?.ok_or(CoreError::NotFound("application"))?;
        let particulars = particulars_of(&app)?;
        if particulars.document.key() != req.patient_document.key() {
            return Err(CoreError::invalid(
                "patient_id_document",
                "the document checked is not the patient's on the application",
            ));
        }
        if pending.sdm_doc_key != req.sdm_document.key() {
            return Err(CoreError::invalid(
                "sdm_id_document",
                "the document checked is not the SDM's on the application",
            ));
        }
        if app.status != ApplicationStatus::PendingIdentityVerification {
            return Err(CoreError::conflict(
                ErrorCode::ApplicationNotPending,
                "this application is not waiting for identity verification",
            ));
        }
        // First, so that a concurrent duplicate waits on this row and then finds it moved
        // (before either registers the patient: the loser must not reach the patients'
        // unique index).
        if !applications::transition(
            conn,
            &app.id,
            ApplicationStatus::PendingIdentityVerification,
            ApplicationStatus::Completed,
            None,
            to_db(now),
        )? {
            return Err(CoreError::conflict(
                ErrorCode::ApplicationChanged,
                "the application changed meanwhile; try again",
            ));
        }
        let (patient, registered) =
            match patients::find_by_document(conn, &particulars.document.key())? {
                Some(p) => {
                    if p.status != PatientStatus::Registered
                        || p.date_of_birth != particulars.date_of_birth
                    {
                        return Err(CoreError::invalid(
                            "patient_id_document",
                            "the registered participant with this document has other particulars",
                        ));
                    }
                    (p, None)
                }
                None => {
                    let r = registration::register_in_tx(
                        conn,
                        hasher,
                        &particulars,
                        provider.as_ref(),
                        &actor,
                        now,
                    )?;
                    (r.patient.clone(), Some(r))
                }
            };
        applications::set_patient(conn, &app.id, &patient.id)?;
        let maker = sdm_of(conn, &pending, now)?;
        let link = make_link(conn, &maker, &patient, &pending, &actor, now)?;
        Ok(Linked {
            link,
            patient,
            sdm: maker,
            registered,
        })
    })
}

/// The SDM behind an application: known already (another patient) or new.
fn sdm_of(
    conn: &mut DbConn,
    pending: &SdmApplication,
    now: DateTime<Utc>,
) -> CoreResult<SubstituteDecisionMaker> {
    if let Some(found) = sdm::find_by_document(conn, &pending.sdm_doc_key)? {
        return Ok(found);
    }
    let maker = SubstituteDecisionMaker {
        id: SdmId::generate(),
        id_doc_key: pending.sdm_doc_key.clone(),
        name_en: pending.sdm_name_en.clone(),
        name_zh: pending.sdm_name_zh.clone(),
        date_of_birth: pending.sdm_date_of_birth,
        mobile: pending.sdm_mobile.clone(),
        email: pending.sdm_email.clone(),
        created_at: to_db(now),
        language: pending.sdm_language,
    };
    sdm::insert(conn, &maker).map_err(|e| match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => CoreError::conflict(
            ErrorCode::ApplicationChanged,
            "this SDM was being registered at the same time; try again",
        ),
        other => other.into(),
    })?;
    Ok(maker)
}

fn already_linked() -> CoreError {
    CoreError::conflict(
        ErrorCode::AlreadyLinked,
        "this substitute decision maker already acts for this patient",
    )
}

fn make_link(
    conn: &mut DbConn,
    maker: &SubstituteDecisionMaker,
    patient: &Patient,
    pending: &SdmApplication,
    actor: &Actor,
    now: DateTime<Utc>,
) -> CoreResult<SdmLink> {
    if sdm::current_link(conn, &maker.id, &patient.id)?.is_some() {
        return Err(already_linked());
    }
    let link = SdmLink {
        id: new_id(),
        sdm_id: maker.id.clone(),
        patient_id: patient.id.clone(),
        basis: pending.basis,
        relationship: pending.relationship.clone(),
        valid_from: to_db(now),
        ended_at: None,
        status: SdmLinkStatus::Active,
        documents: pending.documents.clone(),
        ended_reason: None,
    };
    sdm::insert_link(conn, &link).map_err(|e| match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => already_linked(),
        other => other.into(),
    })?;
    let entry = NewAuditEntry::new(
        AuditAction::SdmLinked,
        actor.clone(),
        AuditOutcome::Succeeded,
    )
    .patient(&patient.id)
    .details(json!({
        "link_id": link.id,
        "sdm_id": maker.id,
        "relationship": link.relationship,
        "basis": link.basis,
        "documents": serde_json::from_str::<serde_json::Value>(&link.documents).unwrap_or_default(),
    }));
    audit::append(conn, &entry, now)?;
    let event = PatientEvent {
        event_id: format!("sdm_linked:{}", link.id),
        notice: Notice::SdmLinked(SdmLinkedFacts {
            sdm_name: maker.name_en.clone(),
            relationship: link.relationship.clone(),
        }),
    };
    notify_patient(conn, patient, &event, now)?;
    notify_sdm(
        conn,
        maker,
        &format!("sdm_acts_for:{}", link.id),
        Notice::SdmActsFor(SdmActsForFacts {
            patient_name: patient.name_en.clone(),
            ehr_number: patient.ehr_number.clone(),
        }),
        now,
    )?;
    Ok(link)
}

fn link_ended() -> CoreError {
    CoreError::conflict(ErrorCode::LinkEnded, "this link has ended already")
}

/// Ends a current link, audits it and tells both; false if it had ended already (another
/// request or sweeper came first). Consents the SDM gave stay in force.
fn end(
    conn: &mut DbConn,
    link: &SdmLink,
    reason: SdmEndReason,
    actor: &Actor,
    now: DateTime<Utc>,
) -> CoreResult<bool> {
    if !sdm::end_link(conn, &link.id, reason, to_db(now))? {
        return Ok(false);
    }
    let entry = NewAuditEntry::new(
        AuditAction::SdmLinkChanged,
        actor.clone(),
        AuditOutcome::Succeeded,
    )
    .patient(&link.patient_id)
    .details(json!({ "link_id": link.id, "sdm_id": link.sdm_id, "ended": reason.as_str() }));
    audit::append(conn, &entry, now)?;
    let patient = patients::find(conn, &link.patient_id)?.ok_or(CoreError::NotFound("patient"))?;
    let maker = sdm::find(conn, &link.sdm_id)?.ok_or(CoreError::NotFound("link"))?;
    let kind = if reason == SdmEndReason::CameOfAge {
        NotificationKind::CameOfAge
    } else {
        NotificationKind::SdmLinkEnded
    };
    let event_id = if kind == NotificationKind::CameOfAge {
        format!("came_of_age:{}", patient.id)
    } else {
        format!("sdm_link_ended:{}", link.id)
    };
    let facts = SdmLinkEndedFacts {
        sdm_name: maker.name_en.clone(),
        patient_name: patient.name_en.clone(),
        reason: reason.as_str().to_owned(),
        ehr_number: Some(patient.ehr_number.clone()),
    };
    let event = PatientEvent {
        event_id,
        notice: if kind == NotificationKind::CameOfAge {
            Notice::CameOfAge(facts.clone())
        } else {
            Notice::SdmLinkEnded(facts.clone())
        },
    };
    // Two parents' links end on one birthday: told once, when the last one ends.
    let others_remain = kind == NotificationKind::CameOfAge
        && !sdm::current_links_for_patient(conn, &patient.id)?.is_empty();
    if !others_remain {
        notify_patient(conn, &patient, &event, now)?;
    }
    notify_sdm(
        conn,
        &maker,
        &format!("sdm_link_ended:{}", link.id),
        Notice::SdmLinkEnded(SdmLinkEndedFacts {
            ehr_number: None,
            ..facts
        }),
        now,
    )?;
    Ok(true)
}

/// The SDM ends their own active link to the patient with `ehr_number`. Anything else,
/// a suspended link included (the Office is resolving a dispute), answers as for an
/// outsider.
pub fn end_by_sdm(
    conn: &mut DbConn,
    sdm_id: &SdmId,
    actor: &Actor,
    ehr_number: &str,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    write_tx(conn, |conn| {
        let found = sdm::current_links_of(conn, sdm_id)?
            .into_iter()
            .find(|(l, ehr, _)| ehr == ehr_number && l.status == SdmLinkStatus::Active)
            .map(|(l, _, _)| l)
            .ok_or_else(not_linked)?;
        if end(conn, &found, SdmEndReason::EndedBySdm, actor, now)? {
            Ok(())
        } else {
            Err(not_linked())
        }
    })
}

/// What the Office does to a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeAction {
    End,
    Suspend,
    Reinstate,
}

/// The Office ends, suspends (a dispute) or reinstates a link.
pub fn office_change(
    conn: &mut DbConn,
    staff: &Staff,
    link_id: &str,
    action: OfficeAction,
    now: DateTime<Utc>,
) -> CoreResult<SdmLink> {
    staff.require(AccountRole::Office)?;
    let actor = staff.actor();
    write_tx(conn, |conn| {
        let link = sdm::find_link(conn, link_id)?.ok_or(CoreError::NotFound("link"))?;
        if link.ended_at.is_some() {
            return Err(link_ended());
        }
        let (from, to) = match action {
            OfficeAction::End => {
                if !end(conn, &link, SdmEndReason::EndedByOffice, &actor, now)? {
                    return Err(link_ended());
                }
                return sdm::find_link(conn, link_id)?.ok_or(CoreError::NotFound("link"));
            }
            OfficeAction::Suspend => (SdmLinkStatus::Active, SdmLinkStatus::Suspended),
            OfficeAction::Reinstate => (SdmLinkStatus::Suspended, SdmLinkStatus::Active),
        };
        if !sdm::set_status(conn, &link.id, from, to)? {
            return Err(CoreError::conflict(
                ErrorCode::LinkStatus,
                format!("the link is not {from}"),
            ));
        }
        let entry = NewAuditEntry::new(
            AuditAction::SdmLinkChanged,
            actor.clone(),
            AuditOutcome::Succeeded,
        )
        .patient(&link.patient_id)
        .details(json!({ "link_id": link.id, "sdm_id": link.sdm_id, "status": to }));
        audit::append(conn, &entry, now)?;
        sdm::find_link(conn, link_id)?.ok_or(CoreError::NotFound("link"))
    })
}

/// At a counter: the patient has regained capacity; every current link of theirs ends.
/// The HCProf checked the patient's document.
pub fn end_at_counter(
    conn: &mut DbConn,
    staff: &Staff,
    patient_document: &IdentityDocument,
    now: DateTime<Utc>,
) -> CoreResult<usize> {
    verifier(staff)?;
    let actor = staff.actor();
    write_tx(conn, |conn| {
        let patient = patients::find_by_document(conn, &patient_document.key())?
            .ok_or(CoreError::NotFound("patient"))?;
        let links = sdm::current_links_for_patient(conn, &patient.id)?;
        let mut ended = 0;
        for link in &links {
            if end(conn, link, SdmEndReason::CapacityRegained, &actor, now)? {
                ended += 1;
            }
        }
        Ok(ended)
    })
}

/// The latest date of birth of someone who is `majority` or over on `today`.
pub fn born_by(today: NaiveDate, majority: u32) -> NaiveDate {
    today
        .checked_sub_months(Months::new(majority * 12))
        .unwrap_or(NaiveDate::MIN)
}

/// The daily sweep: ends the minor links of patients who are 16 on the Hong Kong date of
/// `now` (up to `limit` per transaction; call again while it returns `limit`). The young
/// person is told they now manage their own record; consents the SDM gave stay in force.
pub fn end_at_majority(conn: &mut DbConn, now: DateTime<Utc>, limit: i64) -> CoreResult<usize> {
    let cutoff = born_by(hong_kong_date(now), AGE_OF_MAJORITY);
    let actor = Actor {
        kind: crate::domain::ActorKind::System,
        id: None,
    };
    write_tx(conn, |conn| {
        let due = sdm::minor_links_born_by(conn, cutoff, limit)?;
        for link in &due {
            end(conn, link, SdmEndReason::CameOfAge, &actor, now)?;
        }
        Ok(due.len())
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn sixteen_today_means_born_sixteen_years_ago_today_or_before() {
        assert_eq!(born_by(day(2026, 6, 15), 16), day(2010, 6, 15));
        assert_eq!(born_by(day(2024, 2, 29), 16), day(2008, 2, 29));
        // Born 29 Feb 2008 turns 16 on 29 Feb 2024; a 2025 date never lands on it.
        assert_eq!(born_by(day(2026, 3, 1), 16), day(2010, 3, 1));
    }

    #[test]
    fn the_hong_kong_date_turns_at_sixteen_hundred_utc() {
        let before = "2026-06-14T15:59:00Z".parse::<DateTime<Utc>>().unwrap();
        let after = "2026-06-14T16:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(hong_kong_date(before), day(2026, 6, 14));
        assert_eq!(hong_kong_date(after), day(2026, 6, 15));
    }
}
