//! Completing an application once the applicant's identity has been verified (at a
//! provider's counter or the Office): the application becomes Completed and the patient
//! is registered (eHR number, deemed consents, first access key) in one transaction.

use crate::ErrorCode;
use chrono::{DateTime, Utc};

use super::registration::{self, Particulars, Registered};
use crate::db::applications::{self, Application};
use crate::db::{to_db, write_tx, DbConn};
use crate::domain::{
    Actor, ApplicationStatus, EmailAddress, MobileNumber, NotificationMeans, PersonName,
    PostalAddress,
};
use crate::error::{CoreError, CoreResult};
use crate::ids::{IdentityDocument, ProviderId};
use crate::secret::SecretHasher;

/// The particulars the applicant gave, parsed back from the stored application.
pub fn particulars_of(app: &Application) -> CoreResult<Particulars> {
    let means = [
        (app.notify_sms, NotificationMeans::Sms),
        (app.notify_email, NotificationMeans::Email),
        (app.notify_post, NotificationMeans::Post),
    ]
    .into_iter()
    .filter_map(|(on, m)| on.then_some(m))
    .collect();
    Ok(Particulars {
        document: IdentityDocument::of_kind(
            app.id_doc_type,
            &app.id_doc_number,
            app.id_doc_place.as_deref(),
        )?,
        name_en: PersonName::parse_english(&app.name_en)?,
        name_zh: app
            .name_zh
            .as_deref()
            .map(PersonName::parse_chinese)
            .transpose()?,
        date_of_birth: app.date_of_birth,
        sex: app.sex,
        mobile: MobileNumber::parse(&app.mobile)?,
        email: app.email.as_deref().map(EmailAddress::parse).transpose()?,
        postal_address: app
            .postal_address
            .as_deref()
            .map(PostalAddress::parse)
            .transpose()?,
        language: app.language,
        means,
    })
}

/// Moves the application PendingIdentityVerification -> Completed and registers the
/// patient, in one transaction. `provider` is where identity was verified; `actor` the
/// HCProf (or Office) who did it.
pub fn complete_application(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    application_id: &str,
    provider: &ProviderId,
    actor: &Actor,
    now: DateTime<Utc>,
) -> CoreResult<Registered> {
    write_tx(conn, |conn| {
        complete_application_in_tx(conn, hasher, application_id, provider, actor, now)
    })
}

/// The body of `complete_application` in the caller's transaction (e.g. together with the
/// consent taken at the counter in the same step).
pub fn complete_application_in_tx(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    application_id: &str,
    provider: &ProviderId,
    actor: &Actor,
    now: DateTime<Utc>,
) -> CoreResult<Registered> {
    let app =
        applications::find(conn, application_id)?.ok_or(CoreError::NotFound("application"))?;
    if app.status != ApplicationStatus::PendingIdentityVerification {
        return Err(CoreError::conflict(
            ErrorCode::ApplicationNotPending,
            "this application is not waiting for identity verification",
        ));
    }
    let particulars = particulars_of(&app)?;
    particulars.validate(now.date_naive())?;
    let registered =
        registration::register_in_tx(conn, hasher, &particulars, Some(provider), actor, now)?;
    let moved = applications::transition(
        conn,
        &app.id,
        ApplicationStatus::PendingIdentityVerification,
        ApplicationStatus::Completed,
        Some(&registered.patient.id),
        to_db(now),
    )?;
    if !moved {
        return Err(CoreError::conflict(
            ErrorCode::ApplicationChanged,
            "the application changed meanwhile; try again",
        ));
    }
    Ok(registered)
}
