//! Applying to join from the app: the application is recorded and a 6-digit code is sent
//! to the mobile; the right code moves it on to identity verification (at a counter or
//! the Office, see `identity_verification`).

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::codes::{self, CodeCheck, CodePurpose, CodeRecipient, CodeSent, CodeTry};
use super::registration::Particulars;
use crate::db::applications::{self, Application};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::{new_id, one_time_codes, patients, to_db, write_tx, DbConn};
use crate::domain::{
    Actor, ActorKind, ApplicationStatus, AuditAction, AuditOutcome, Language, NotificationMeans,
};
use crate::error::{CoreError, CoreResult};
use crate::ids::OneTimeCode;
use crate::secret::SecretHasher;

/// A mobile number in international form: `+`, then 8 to 15 digits (spaces and hyphens
/// dropped). A number without `+` is taken as a Hong Kong number (8 digits).
pub fn parse_mobile(input: &str) -> CoreResult<String> {
    let cleaned: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let full = match cleaned.strip_prefix('+') {
        Some(rest) => rest.to_owned(),
        None if cleaned.len() == 8 => format!("852{cleaned}"),
        None => String::new(),
    };
    if !(8..=15).contains(&full.len()) || !full.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CoreError::invalid(
            "mobile",
            "must be a mobile number such as +852 9123 4567",
        ));
    }
    Ok(format!("+{full}"))
}

/// An email address, checked for shape only (the code sent to it proves it).
pub fn parse_email(input: &str) -> CoreResult<String> {
    let e = input.trim();
    let ok = e.len() <= 254
        && !e.chars().any(char::is_whitespace)
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        });
    if !ok {
        return Err(CoreError::invalid("email", "must be an email address"));
    }
    Ok(e.to_owned())
}

/// Checks the free-text particulars for length (names are checked by `Particulars`).
pub fn check_lengths(p: &Particulars) -> CoreResult<()> {
    if p.name_zh.as_ref().is_some_and(|n| n.chars().count() > 100) {
        return Err(CoreError::invalid(
            "name_zh",
            "must be at most 100 characters",
        ));
    }
    if p.postal_address
        .as_ref()
        .is_some_and(|a| a.trim().is_empty() || a.len() > 500)
    {
        return Err(CoreError::invalid(
            "postal_address",
            "must be 1 to 500 characters",
        ));
    }
    Ok(())
}

fn applicant(application_id: &str) -> Actor {
    // An applicant has no patient id yet; the application id names them.
    Actor::new(ActorKind::Patient, format!("application:{application_id}"))
}

fn new_application(p: &Particulars, now: DateTime<Utc>) -> Application {
    Application {
        id: new_id(),
        id_doc_type: p.document.kind().as_str().to_owned(),
        id_doc_number: p.document.number().to_owned(),
        id_doc_place: p.document.place().map(str::to_owned),
        id_doc_key: p.document.key(),
        name_en: p.name_en.trim().to_owned(),
        name_zh: p.name_zh.clone(),
        date_of_birth: p.date_of_birth,
        sex: p.sex.as_str().to_owned(),
        mobile: p.mobile.clone(),
        email: p.email.clone(),
        postal_address: p.postal_address.clone(),
        language: p.language.as_str().to_owned(),
        notify_sms: p.means.contains(&NotificationMeans::Sms),
        notify_email: p.means.contains(&NotificationMeans::Email),
        notify_post: p.means.contains(&NotificationMeans::Post),
        sdm_id: None,
        status: ApplicationStatus::PendingMobileVerification
            .as_str()
            .to_owned(),
        patient_id: None,
        created_at: to_db(now),
        updated_at: to_db(now),
    }
}

fn send_code(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    ttl: Duration,
    app: &Application,
    now: DateTime<Utc>,
) -> CoreResult<CodeSent> {
    let recipient = CodeRecipient {
        purpose: CodePurpose::MobileVerification,
        subject_id: &app.id,
        destination: &app.mobile,
        patient_id: None,
        language: Language::parse(&app.language)?,
    };
    codes::send(conn, hasher, ttl, &recipient, now)
}

fn audit_change(
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

/// Records an application and sends the code, in one transaction. One identity
/// document, one participant: refused if registered or already applying.
pub fn apply(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    code_ttl: Duration,
    particulars: &Particulars,
    now: DateTime<Utc>,
) -> CoreResult<(Application, CodeSent)> {
    particulars.validate(now.date_naive())?;
    check_lengths(particulars)?;
    write_tx(conn, |conn| {
        let key = particulars.document.key();
        if patients::find_by_document(conn, &key)?.is_some() {
            return Err(CoreError::conflict(
                "already_registered",
                "a participant with this identity document is already registered",
            ));
        }
        if applications::open_for_document(conn, &key)?.is_some() {
            return Err(CoreError::conflict(
                "application_exists",
                "there is already an open application for this identity document",
            ));
        }
        let app = new_application(particulars, now);
        // Two applications racing for one document: the unique index decides.
        applications::insert(conn, &app).map_err(|e| match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => CoreError::conflict(
                "application_exists",
                "there is already an open application for this identity document",
            ),
            other => other.into(),
        })?;
        audit_change(
            conn,
            &app,
            ApplicationStatus::PendingMobileVerification,
            now,
        )?;
        let sent = send_code(conn, hasher, code_ttl, &app, now)?;
        Ok((app, sent))
    })
}

pub fn find(conn: &mut DbConn, id: &str) -> CoreResult<Application> {
    applications::find(conn, id)?.ok_or(CoreError::NotFound("application"))
}

fn awaiting_mobile(conn: &mut DbConn, id: &str) -> CoreResult<Application> {
    let app = find(conn, id)?;
    if app.status()? != ApplicationStatus::PendingMobileVerification {
        return Err(CoreError::conflict(
            "mobile_already_verified",
            "this application is not waiting for mobile verification",
        ));
    }
    Ok(app)
}

/// Sends a fresh code (throttled).
pub fn resend_code(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    code_ttl: Duration,
    id: &str,
    now: DateTime<Utc>,
) -> CoreResult<CodeSent> {
    write_tx(conn, |conn| {
        let app = awaiting_mobile(conn, id)?;
        send_code(conn, hasher, code_ttl, &app, now)
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
        let Some(record) = one_time_codes::latest_open(conn, purpose.as_str(), &app.id)? else {
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
                    "application_changed",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_are_kept_in_international_form() {
        assert_eq!(parse_mobile("9123 4567").expect("hk"), "+85291234567");
        assert_eq!(parse_mobile("+852-9123-4567").expect("hk"), "+85291234567");
        assert_eq!(
            parse_mobile("+44 7700 900123").expect("uk"),
            "+447700900123"
        );
        for bad in [
            "",
            "12345",
            "+12",
            "call me",
            "+852 9123 456a",
            "+1234567890123456",
        ] {
            assert_eq!(parse_mobile(bad).expect_err(bad).field(), Some("mobile"));
        }
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert_eq!(parse_email(" a@b.hk ").expect("ok"), "a@b.hk");
        for bad in [
            "", "a", "a@", "@b.hk", "a@b", "a b@c.hk", "a@.hk", "a@b.hk.", "a@b@c.hk",
        ] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }
}
