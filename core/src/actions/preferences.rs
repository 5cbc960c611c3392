//! A patient's preferences: language and notification means take effect at once; a new
//! mobile or email is used only after the code sent to it comes back.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::active_patient;
use super::codes::{self, CodeCheck, CodePolicy, CodePurpose, CodeRecipient, CodeTry};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::patients::{self, Patient};
use crate::db::{one_time_codes, patient_settings, write_tx, DbConn};
use crate::domain::{
    Actor, AuditAction, AuditOutcome, EmailAddress, Language, MobileNumber, NotificationMeans,
    PostalAddress,
};
use crate::error::{CoreError, CoreResult};
use crate::ids::{OneTimeCode, PatientId};
use crate::secret::SecretHasher;

#[derive(Debug, Clone, Default)]
pub struct PreferenceChange {
    pub language: Option<Language>,
    pub means: Option<Vec<NotificationMeans>>,
    /// `Some(None)` removes the address.
    pub postal_address: Option<Option<PostalAddress>>,
    pub new_mobile: Option<MobileNumber>,
    pub new_email: Option<EmailAddress>,
}

#[derive(Debug, Clone)]
pub struct PreferencesChanged {
    pub patient: Patient,
    /// Contact details waiting for their code: `mobile`, `email`.
    pub pending_verification: Vec<&'static str>,
}

/// The means must be reachable with the contact details on file.
fn check_means(patient: &Patient) -> CoreResult<()> {
    let means = patient.notification_means();
    if means.is_empty() {
        return Err(CoreError::invalid(
            "notification_means",
            "choose at least one of sms, email, post",
        ));
    }
    if means.contains(&NotificationMeans::Email) && patient.email.is_none() {
        return Err(CoreError::invalid(
            "notification_means",
            "email needs a verified email address first",
        ));
    }
    if means.contains(&NotificationMeans::Post) && patient.postal_address.is_none() {
        return Err(CoreError::invalid(
            "notification_means",
            "post needs a postal address",
        ));
    }
    Ok(())
}

fn reload(conn: &mut DbConn, id: &PatientId) -> CoreResult<Patient> {
    patients::find(conn, id)?.ok_or(CoreError::NotFound("patient"))
}

pub fn change(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    code_policy: &CodePolicy,
    patient_id: &PatientId,
    change: &PreferenceChange,
    actor: &Actor,
    now: DateTime<Utc>,
) -> CoreResult<PreferencesChanged> {
    write_tx(conn, |conn| {
        let patient = active_patient(conn, patient_id)?;
        if let Some(language) = change.language {
            patient_settings::set_language(conn, &patient.id, language)?;
        }
        if let Some(address) = &change.postal_address {
            let address = address.as_ref().map(PostalAddress::as_str);
            patient_settings::set_postal_address(conn, &patient.id, address)?;
        }
        if let Some(means) = &change.means {
            patient_settings::set_means(conn, &patient.id, means)?;
        }
        let updated = reload(conn, &patient.id)?;
        check_means(&updated)?;
        let mut pending = Vec::new();
        let language = updated.language;
        let new_mobile = change.new_mobile.as_ref().map(MobileNumber::as_str);
        let new_email = change.new_email.as_ref().map(EmailAddress::as_str);
        for (value, purpose, name) in [
            (new_mobile, CodePurpose::NewMobile, "mobile"),
            (new_email, CodePurpose::NewEmail, "email"),
        ] {
            let Some(destination) = value else { continue };
            // No patient_id on the job: the code goes to the new address, not the old one.
            let to = CodeRecipient {
                purpose,
                subject_id: patient.id.as_str(),
                destination,
                patient_id: None,
                language,
            };
            codes::send(conn, hasher, code_policy, &to, now)?;
            pending.push(name);
        }
        let entry = NewAuditEntry::new(AuditAction::PreferencesChanged, actor.clone(), AuditOutcome::Succeeded)
            .patient(&patient.id)
            .details(json!({
                "language": change.language.map(Language::as_str),
                "notification_means": change.means.as_ref().map(|m| m.iter().map(|x| x.as_str()).collect::<Vec<_>>()),
                "postal_address_changed": change.postal_address.is_some(),
                "pending_verification": pending,
            }));
        audit::append(conn, &entry, now)?;
        Ok(PreferencesChanged {
            patient: updated,
            pending_verification: pending,
        })
    })
}

/// The code sent to a new mobile (or email) makes it the one used from now on.
pub fn confirm_contact(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    patient_id: &PatientId,
    purpose: CodePurpose,
    typed: &OneTimeCode,
    actor: &Actor,
    now: DateTime<Utc>,
) -> CoreResult<Patient> {
    let check = write_tx(conn, |conn| {
        let patient = active_patient(conn, patient_id)?;
        let Some(record) = one_time_codes::latest_open(conn, purpose, patient.id.as_str())? else {
            return Ok(CodeCheck::Expired);
        };
        let attempt = CodeTry {
            purpose,
            typed,
            actor,
            patient_id: Some(&patient.id),
        };
        let check = codes::check(conn, hasher, &record, &attempt, now)?;
        if let CodeCheck::Accepted(r) = &check {
            match purpose {
                CodePurpose::NewEmail => {
                    patient_settings::set_email(conn, &patient.id, &r.destination)?
                }
                _ => patient_settings::set_mobile(conn, &patient.id, &r.destination)?,
            };
            let entry = NewAuditEntry::new(
                AuditAction::PreferencesChanged,
                actor.clone(),
                AuditOutcome::Succeeded,
            )
            .patient(&patient.id)
            .details(json!({ "verified": purpose.as_str() }));
            audit::append(conn, &entry, now)?;
        }
        Ok(check)
    })?;
    check.into_result()?;
    reload(conn, patient_id)
}
