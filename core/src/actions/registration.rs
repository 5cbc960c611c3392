//! Completing a registration: the patient gets an eHR number, deemed consent for HA and
//! DH, and a first access key, and is told by their selected means.

use crate::ErrorCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use super::access_key;
use super::notify::{notify_patient, PatientEvent};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::consents::{self, SharingConsent};
use crate::db::patients::{self, Patient};
use crate::db::{applications, providers, to_db, write_tx, DbConn};
use crate::domain::notice::RegistrationFacts;
use crate::domain::{
    AccessKeyChannel, Actor, AuditAction, AuditOutcome, ConsentChannel, ConsentType, EmailAddress,
    Language, MobileNumber, Notice, NotificationMeans, PatientStatus, PersonName, PostalAddress,
    Sex,
};
use crate::error::{CoreError, CoreResult};
use crate::ids::{AccessKey, EhrNumber, IdentityDocument, PatientId, ProviderId};
use crate::secret::SecretHasher;

/// A patient's particulars, already parsed.
#[derive(Debug, Clone)]
pub struct Particulars {
    pub document: IdentityDocument,
    pub name_en: PersonName,
    pub name_zh: Option<PersonName>,
    pub date_of_birth: NaiveDate,
    pub sex: Sex,
    pub mobile: MobileNumber,
    pub email: Option<EmailAddress>,
    pub postal_address: Option<PostalAddress>,
    pub language: Language,
    pub means: Vec<NotificationMeans>,
}

/// Particulars as a route receives them (JSON strings), for `Particulars::parse`: the
/// app's application and the counter's walk-in parse the same way.
#[derive(Debug, Clone, Copy)]
pub struct ParticularsText<'a> {
    pub name_en: &'a str,
    pub name_zh: Option<&'a str>,
    pub date_of_birth: &'a str,
    pub sex: &'a str,
    pub mobile: &'a str,
    pub email: Option<&'a str>,
    pub postal_address: Option<&'a str>,
    pub language: &'a str,
    pub notification_means: &'a [String],
}

/// A date written `YYYY-MM-DD`.
pub fn parse_date(field: &'static str, text: &str) -> CoreResult<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| CoreError::invalid(field, "must be a date written YYYY-MM-DD"))
}

impl Particulars {
    /// Parses every field, naming the first one at fault.
    pub fn parse(document: IdentityDocument, text: &ParticularsText<'_>) -> CoreResult<Self> {
        if text.notification_means.len() > 3 {
            return Err(CoreError::invalid(
                "notification_means",
                "at most sms, email, post",
            ));
        }
        Ok(Self {
            document,
            name_en: PersonName::parse_english(text.name_en)?,
            name_zh: text.name_zh.map(PersonName::parse_chinese).transpose()?,
            date_of_birth: parse_date("date_of_birth", text.date_of_birth)?,
            sex: Sex::parse(text.sex)?,
            mobile: MobileNumber::parse(text.mobile)?,
            email: text.email.map(EmailAddress::parse).transpose()?,
            postal_address: text.postal_address.map(PostalAddress::parse).transpose()?,
            language: Language::parse(text.language)?,
            means: text
                .notification_means
                .iter()
                .map(|m| NotificationMeans::parse(m))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Checks what parsing alone cannot: the date is past, the chosen means reachable.
    pub fn validate(&self, today: NaiveDate) -> CoreResult<()> {
        if self.date_of_birth > today {
            return Err(CoreError::invalid(
                "date_of_birth",
                "must not be in the future",
            ));
        }
        if self.means.is_empty() {
            return Err(CoreError::invalid(
                "notification_means",
                "choose at least one of sms, email, post",
            ));
        }
        if self.means.contains(&NotificationMeans::Email) && self.email.is_none() {
            return Err(CoreError::invalid(
                "email",
                "needed to be notified by email",
            ));
        }
        if self.means.contains(&NotificationMeans::Post) && self.postal_address.is_none() {
            return Err(CoreError::invalid(
                "postal_address",
                "needed to be notified by post",
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct Registered {
    pub patient: Patient,
    pub access_key: AccessKey,
}

/// Registers a patient in one transaction. `provider` is where identity was verified
/// (none: at the Office).
pub fn register(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    particulars: &Particulars,
    provider: Option<&ProviderId>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> CoreResult<Registered> {
    particulars.validate(now.date_naive())?;
    write_tx(conn, |conn| {
        let registered = register_in_tx(conn, hasher, particulars, provider, actor, now)?;
        // Registered another way (a walk-in): an application left open would wait forever
        // and block nothing, but mislead the applicant.
        applications::cancel_open_for_document(conn, &registered.patient.id_doc_key, to_db(now))?;
        Ok(registered)
    })
}

/// The body of `register`, in the caller's transaction (completing an application moves
/// the application and registers the patient together). The caller validates first.
pub fn register_in_tx(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    particulars: &Particulars,
    provider: Option<&ProviderId>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> CoreResult<Registered> {
    let key = particulars.document.key();
    if patients::find_by_document(conn, &key)?.is_some() {
        return Err(CoreError::conflict(
            ErrorCode::AlreadyRegistered,
            "a participant with this identity document is already registered",
        ));
    }
    let patient = new_patient(conn, particulars, provider, now)?;
    patients::insert(conn, &patient)?;
    give_deemed_consents(conn, &patient, now)?;
    let entry = NewAuditEntry::new(
        AuditAction::RegistrationCompleted,
        actor.clone(),
        AuditOutcome::Succeeded,
    )
    .patient(&patient.id)
    .details(json!({ "verified_at_provider": provider.map(ProviderId::as_str) }));
    let entry = match provider {
        Some(p) => entry.provider(p.as_str()),
        None => entry,
    };
    audit::append(conn, &entry, now)?;
    let event = PatientEvent {
        event_id: format!("registered:{}", patient.id),
        notice: Notice::RegistrationCompleted(RegistrationFacts {
            ehr_number: patient.ehr_number.clone(),
        }),
    };
    notify_patient(conn, &patient, &event, now)?;
    let access_key = access_key::issue(
        conn,
        hasher,
        &patient,
        AccessKeyChannel::Registration,
        actor,
        now,
    )?;
    Ok(Registered {
        patient,
        access_key,
    })
}

fn new_patient(
    conn: &mut DbConn,
    p: &Particulars,
    provider: Option<&ProviderId>,
    now: DateTime<Utc>,
) -> CoreResult<Patient> {
    let ehr_number = loop {
        let candidate = EhrNumber::random(&mut rand::rngs::OsRng);
        if !patients::ehr_number_taken(conn, candidate.as_str())? {
            break candidate;
        }
    };
    Ok(Patient {
        id: PatientId::generate(),
        ehr_number: ehr_number.as_str().to_owned(),
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
        status: PatientStatus::Registered,
        registered_at: to_db(now),
        registered_by_provider: provider.map(|id| id.as_str().to_owned()),
        withdrawn_at: None,
    })
}

/// Joining gives deemed consent to HA and DH; the rows make it visible in the history.
fn give_deemed_consents(
    conn: &mut DbConn,
    patient: &Patient,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    for body in providers::public_bodies(conn)? {
        consents::insert(
            conn,
            &SharingConsent::active(
                &patient.id,
                &body.id,
                ConsentType::Deemed,
                ConsentChannel::Deemed,
                &Actor::system(),
                to_db(now),
                None,
            ),
        )?;
    }
    Ok(())
}
