//! Applying to join from the app: the application is recorded and a 6-digit code is sent
//! to the mobile; the right code moves it on to identity verification (at a counter or
//! the Office, see `identity_verification`).
//!
//! Applying with the identity document of someone registered answers as for a new
//! application (issue 11: `already_registered` told anyone holding an HKIC number that
//! its holder had joined); the registered person is told by their selected means, and the
//! counter finds it out when it checks the document. See docs/decisions.md.

use crate::ErrorCode;
use chrono::{DateTime, Utc};
use serde_json::json;

use super::code_requests::{self, CodeRequest, RequestLimits};
use super::codes::{self, CodeCheck, CodePolicy, CodePurpose, CodeRecipient, CodeSent, CodeTry};
use super::notify::{notify_patient, PatientEvent};
use super::registration::Particulars;
use crate::db::applications::{self, Application};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::patients::Patient;
use crate::db::{new_id, one_time_codes, patients, to_db, write_tx, DbConn};
use crate::domain::{
    Actor, ActorKind, ApplicationStatus, AuditAction, AuditOutcome, EmailAddress, Notice,
    NotificationMeans, PersonName, PostalAddress,
};
use crate::error::{CoreError, CoreResult};
use crate::ids::OneTimeCode;
use crate::secret::SecretHasher;

fn applicant(application_id: &str) -> Actor {
    // An applicant has no patient id yet; the application id names them.
    Actor::new(ActorKind::Patient, format!("application:{application_id}"))
}

pub(super) fn new_application(p: &Particulars, now: DateTime<Utc>) -> Application {
    Application {
        id: new_id(),
        id_doc_type: p.document.kind(),
        id_doc_number: p.document.number().to_owned(),
        id_doc_place: p.document.place().map(str::to_owned),
        id_doc_key: p.document.key(),
        name_en: p.name_en.to_string(),
        name_zh: p.name_zh.as_ref().map(PersonName::to_string),
        date_of_birth: p.date_of_birth,
        sex: p.sex,
        mobile: p.mobile.to_string(),
        email: p.email.as_ref().map(EmailAddress::to_string),
        postal_address: p.postal_address.as_ref().map(PostalAddress::to_string),
        language: p.language,
        notify_sms: p.means.contains(&NotificationMeans::Sms),
        notify_email: p.means.contains(&NotificationMeans::Email),
        notify_post: p.means.contains(&NotificationMeans::Post),
        sdm_id: None,
        status: ApplicationStatus::PendingMobileVerification,
        patient_id: None,
        created_at: to_db(now),
        updated_at: to_db(now),
    }
}

pub(super) fn send_code(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    policy: &CodePolicy,
    app: &Application,
    now: DateTime<Utc>,
) -> CoreResult<CodeSent> {
    // An SDM's application verifies the SDM's own mobile, in the SDM's language.
    let sdm = crate::db::sdm::application(conn, &app.id)?;
    let (destination, language) = match &sdm {
        Some(s) => (s.sdm_mobile.as_str(), s.sdm_language),
        None => (app.mobile.as_str(), app.language),
    };
    let recipient = CodeRecipient {
        purpose: CodePurpose::MobileVerification,
        subject_id: &app.id,
        destination,
        patient_id: None,
        language,
    };
    codes::send(conn, hasher, policy, &recipient, now)
}

pub(super) fn audit_change(
    conn: &mut DbConn,
    app: &Application,
    status: ApplicationStatus,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let entry = NewAuditEntry::new(
        AuditAction::ApplicationChanged,
        applicant(&app.id),
        AuditOutcome::Succeeded,
    )
    .details(json!({ "application_id": app.id, "status": status.as_str() }));
    audit::append(conn, &entry, now)?;
    Ok(())
}

pub(super) fn already_open() -> CoreError {
    CoreError::conflict(
        ErrorCode::ApplicationExists,
        "there is already an open application for this identity document",
    )
}

/// Records an application and sends the code, in one transaction. One identity
/// document, one open application. The request is counted first (per document, client,
/// in all); a registered document's holder is told, the applicant answered as usual.
pub fn apply(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    policy: &CodePolicy,
    limits: &RequestLimits,
    client: &str,
    particulars: &Particulars,
    now: DateTime<Utc>,
) -> CoreResult<(Application, CodeSent)> {
    particulars.validate(now.date_naive())?;
    policy.check_mobile(&particulars.mobile)?;
    let key = particulars.document.key();
    let identifier = format!("doc:{key}");
    let asking = CodeRequest {
        client,
        identifier: Some(&identifier),
    };
    code_requests::admit(conn, hasher, limits, &asking, now)?;
    write_tx(conn, |conn| {
        if applications::open_for_document(conn, &key)?.is_some() {
            return Err(already_open());
        }
        let app = new_application(particulars, now);
        // Two applications racing for one document: the unique index decides.
        applications::insert(conn, &app).map_err(|e| match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => already_open(),
            other => other.into(),
        })?;
        // The code first: its destination lock is taken before the audit chain's, in the
        // order every other sender takes them.
        let sent = send_code(conn, hasher, policy, &app, now)?;
        audit_change(
            conn,
            &app,
            ApplicationStatus::PendingMobileVerification,
            now,
        )?;
        if let Some(patient) = patients::find_by_document(conn, &key)? {
            tell_registered(conn, &patient, &app, now)?;
        }
        Ok((app, sent))
    })
}

/// Someone applied with a registered person's document: they are told by their selected
/// means (it was them and they forgot, or someone holds their document number).
fn tell_registered(
    conn: &mut DbConn,
    patient: &Patient,
    app: &Application,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let event = PatientEvent {
        event_id: format!("applied:{}", app.id),
        notice: Notice::AppliedWhileRegistered {},
    };
    notify_patient(conn, patient, &event, now)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> CoreResult<Application> {
    applications::find(conn, id)?.ok_or(CoreError::NotFound("application"))
}

fn awaiting_mobile(conn: &mut DbConn, id: &str) -> CoreResult<Application> {
    let app = find(conn, id)?;
    if app.status != ApplicationStatus::PendingMobileVerification {
        return Err(CoreError::conflict(
            ErrorCode::MobileAlreadyVerified,
            "this application is not waiting for mobile verification",
        ));
    }
    Ok(app)
}

/// Sends a fresh code (throttled per application, destination and client).
pub fn resend_code(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    policy: &CodePolicy,
    limits: &RequestLimits,
    asking: &CodeRequest<'_>,
    id: &str,
    now: DateTime<Utc>,
) -> CoreResult<CodeSent> {
    code_requests::admit(conn, hasher, limits, asking, now)?;
    write_tx(conn, |conn| {
        let app = awaiting_mobile(conn, id)?;
        send_code(conn, hasher, policy, &app, now)
    })
}

/// The right code moves the application to identity verification. A wrong try is
/// committed (count, audit) and then refused.
pub fn verify_mobile(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    id: &str,
    typed: &OneTimeCode,
    now: DateTime<Utc>,
) -> CoreResult<Application> {
    let outcome = write_tx(conn, |conn| {
        let app = awaiting_mobile(conn, id)?;
        let purpose = CodePurpose::MobileVerification;
        let Some(record) = one_time_codes::latest_open(conn, purpose, &app.id)? else {
            return Ok((app, CodeCheck::Expired));
        };
        let actor = applicant(&app.id);
        let attempt = CodeTry {
            purpose,
            typed,
            actor: &actor,
            patient_id: None,
        };
        let check = codes::check(conn, hasher, &record, &attempt, now)?;
        if matches!(check, CodeCheck::Accepted(_)) {
            let next = ApplicationStatus::PendingIdentityVerification;
            if !applications::transition(
                conn,
                &app.id,
                ApplicationStatus::PendingMobileVerification,
                next,
                None,
                to_db(now),
            )? {
                return Err(CoreError::conflict(
                    ErrorCode::ApplicationChanged,
                    "the application changed meanwhile; try again",
                ));
            }
            audit_change(conn, &app, next, now)?;
        }
        Ok((app, check))
    })?;
    outcome.1.into_result()?;
    find(conn, id)
}
