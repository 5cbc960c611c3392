//! A provider applies to join (issue 16): its particulars, its first user administrator,
//! and the supporting documents its establishment type needs (`rules::supporting_documents`).
//! Online (a public form: throttled per client address, and answered the same whether the
//! application is new or a copy of an open one, so that the answer tells nothing), or on
//! paper, entered by the Office. The reference and a secret to add documents go to the
//! contact's email only. The Office's review is in `provider_review`.

use crate::ErrorCode;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;
use subtle::ConstantTimeEq;

use super::provider_notices::{enqueue_to, Addressee, ProviderEvent};
use super::throttle;
use crate::db::audit::{self, NewAuditEntry};
use crate::db::provider_applications::{self as apps, ProviderApplication, ProviderDocument};
use crate::db::{new_id, to_db, write_tx, DbConn};
use crate::domain::notice::ProviderFacts;
use crate::domain::{
    Actor, ApplicationChannel, AuditAction, AuditOutcome, Channel, DocumentType, EmailAddress,
    EstablishmentType, Language, NotificationKind, PostalAddress, Profession,
    ProviderApplicationStatus,
};
use crate::error::{CoreError, CoreResult};
use crate::rules::supporting_documents::{self as docs, HeldDocument};
use crate::rules::{hong_kong_date, LockoutPolicy};
use crate::seal::seal_job_secret;
use crate::secret::{random_token, sha256_hex, token_digest, SecretHasher};

/// One supporting document as the applicant describes it.
#[derive(Debug, Clone)]
pub struct DocumentInput {
    pub kind: DocumentType,
    pub number: String,
    pub issuing_authority: String,
    pub expires_on: Option<NaiveDate>,
    /// Where the scanned copy is kept (the document store's reference).
    pub scan_ref: String,
}

/// The first user administrator, as the application names them.
#[derive(Debug, Clone)]
pub struct FirstAdministrator {
    pub name: String,
    pub username: String,
    pub email: EmailAddress,
    pub profession: Option<Profession>,
    pub registration_number: Option<String>,
    pub registration_expires_on: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct NewApplication {
    pub name_en: String,
    pub name_zh: String,
    pub establishment_type: EstablishmentType,
    pub address: PostalAddress,
    pub contact_name: String,
    pub contact_email: EmailAddress,
    pub contact_phone: String,
    pub language: Language,
    pub administrator: FirstAdministrator,
    pub documents: Vec<DocumentInput>,
}

fn text(field: &'static str, value: &str, max: usize) -> CoreResult<()> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(CoreError::invalid(field, format!("1 to {max} characters")));
    }
    Ok(())
}

impl DocumentInput {
    fn validate(&self, today: NaiveDate) -> CoreResult<()> {
        text("documents", &self.number, 64)?;
        text("documents", &self.issuing_authority, 200)?;
        text("documents", &self.scan_ref, 500)?;
        if self.expires_on.is_some_and(|last| last < today) {
            return Err(CoreError::invalid(
                "documents",
                format!("the {} has expired", self.kind.title()),
            ));
        }
        Ok(())
    }
}

impl NewApplication {
    /// Everything checked, the required documents above all: the answer names each one
    /// missing.
    pub fn validate(&self, today: NaiveDate) -> CoreResult<()> {
        let Some(required) = docs::requirements(self.establishment_type) else {
            return Err(CoreError::invalid(
                "establishment_type",
                "the Hospital Authority and the Department of Health do not apply",
            ));
        };
        text("name_en", &self.name_en, 200)?;
        text("name_zh", &self.name_zh, 200)?;
        text("contact_name", &self.contact_name, 200)?;
        text("contact_phone", &self.contact_phone, 32)?;
        let admin = &self.administrator;
        text("administrator.name", &admin.name, 200)?;
        if !super::accounts::username_ok(&admin.username) {
            return Err(CoreError::invalid(
                "administrator.username",
                "3 to 64 characters: a-z, 0-9, dot, underscore, hyphen",
            ));
        }
        if let Some(n) = &admin.registration_number {
            text("administrator.registration_number", n, 32)?;
        }
        if admin.registration_expires_on.is_some_and(|d| d < today) {
            return Err(CoreError::invalid(
                "administrator.registration_expires_on",
                "this registration has expired already",
            ));
        }
        if self.documents.len() > 20 {
            return Err(CoreError::invalid("documents", "at most 20 documents"));
        }
        for d in &self.documents {
            d.validate(today)?;
        }
        check_documents(required, &self.documents, today)
    }

    fn dedupe_key(&self) -> String {
        sha256_hex(
            format!(
                "{}\n{}\n{}",
                self.establishment_type,
                self.name_en.trim().to_lowercase(),
                self.contact_email.as_str().to_lowercase()
            )
            .as_bytes(),
        )
    }
}

/// Refuses, naming each missing document, unless every requirement is met.
pub(crate) fn check_documents(
    required: docs::Requirements,
    held: &[DocumentInput],
    today: NaiveDate,
) -> CoreResult<()> {
    let held: Vec<HeldDocument> = held
        .iter()
        .map(|d| HeldDocument {
            kind: d.kind,
            expires_on: d.expires_on,
        })
        .collect();
    let missing = docs::missing(required, &held, today);
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = missing.iter().map(|m| docs::describe(m)).collect();
    Err(CoreError::invalid(
        "documents",
        format!("missing supporting documents: {}", names.join("; ")),
    ))
}

/// Submissions per client address per hour, for the public form.
pub fn form_policy(per_hour: u32) -> LockoutPolicy {
    LockoutPolicy {
        max_failures: per_hour.max(1),
        window: Some(Duration::hours(1)),
        lock_for: Some(Duration::hours(1)),
    }
}

/// Counts one try of `scope` (committed before the work, so that a refusal still counts),
/// refusing with 429 while the scope is throttled.
pub(crate) fn count_try(
    conn: &mut DbConn,
    scope: &str,
    policy: &LockoutPolicy,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    write_tx(conn, |c| {
        if let Some(wait) = throttle::retry_after(c, scope, now)? {
            return Ok(Some(wait));
        }
        throttle::fail(c, scope, policy, now)?;
        Ok(None)
    })?
    .map_or(Ok(()), |wait| Err(throttle::rate_limited(wait)))
}

/// The public form: always answered the same (`Ok(())`) once valid, whether new or a copy
/// of an open application (the copy is dropped).
pub fn submit_online(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    client: &str,
    per_hour: u32,
    new: &NewApplication,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    count_try(
        conn,
        &format!("provider-application:{client}"),
        &form_policy(per_hour),
        now,
    )?;
    new.validate(hong_kong_date(now))?;
    match submit(
        conn,
        hasher,
        ApplicationChannel::Online,
        &Actor::system(),
        new,
        now,
    ) {
        Ok(_) => Ok(()),
        Err(CoreError::Conflict {
            code: ErrorCode::ApplicationOpen,
            ..
        }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Records the application and its documents, audited, and writes to the contact with
/// the reference and the secret. `application_open` if the same one is open already.
pub fn submit(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    channel: ApplicationChannel,
    actor: &Actor,
    new: &NewApplication,
    now: DateTime<Utc>,
) -> CoreResult<ProviderApplication> {
    new.validate(hong_kong_date(now))?;
    let secret = random_token();
    let app = new_row(new, channel, &secret, now);
    write_tx(conn, |c| {
        let app = ProviderApplication {
            reference: free_reference(c)?,
            ..app.clone()
        };
        // Two copies racing: the unique index on open applications decides.
        apps::insert(c, &app).map_err(|e| match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => CoreError::conflict(
                ErrorCode::ApplicationOpen,
                "this application is open already",
            ),
            other => other.into(),
        })?;
        for d in &new.documents {
            apps::insert_document(c, &document_row(&app.id, d, now))?;
        }
        audit_application(
            c,
            actor,
            &app,
            "submitted",
            &json!({ "channel": channel.as_str(), "documents": new.documents.len() }),
            now,
        )?;
        let event_id = format!("provider-application:{}", app.id);
        let facts = ProviderFacts {
            reference: Some(app.reference.clone()),
            code: Some(seal_job_secret(
                hasher.sealer(),
                &event_id,
                "code",
                &secret,
            )?),
            ..ProviderFacts::default()
        };
        tell_applicant(
            c,
            &app,
            NotificationKind::ProviderApplicationReceived,
            &event_id,
            facts,
            now,
        )?;
        Ok(app)
    })
}

fn new_row(
    new: &NewApplication,
    channel: ApplicationChannel,
    secret: &str,
    now: DateTime<Utc>,
) -> ProviderApplication {
    let admin = &new.administrator;
    ProviderApplication {
        id: new_id(),
        reference: String::new(),
        secret_digest: token_digest(secret),
        channel,
        status: ProviderApplicationStatus::Submitted,
        dedupe_key: new.dedupe_key(),
        name_en: new.name_en.trim().to_owned(),
        name_zh: new.name_zh.trim().to_owned(),
        establishment_type: new.establishment_type,
        address: new.address.as_str().to_owned(),
        contact_name: new.contact_name.trim().to_owned(),
        contact_email: new.contact_email.as_str().to_owned(),
        contact_phone: new.contact_phone.trim().to_owned(),
        language: new.language,
        admin_name: admin.name.trim().to_owned(),
        admin_username: admin.username.clone(),
        admin_email: admin.email.as_str().to_owned(),
        admin_profession: admin.profession,
        admin_registration_number: admin
            .registration_number
            .as_deref()
            .map(|n| n.trim().to_owned()),
        admin_registration_expires_on: admin.registration_expires_on,
        office_note: None,
        provider_id: None,
        admin_account_id: None,
        created_at: to_db(now),
        updated_at: to_db(now),
        decided_at: None,
    }
}

/// `PA-` and eight characters of an alphabet without look-alikes, not in use.
fn free_reference(conn: &mut DbConn) -> CoreResult<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    loop {
        let tail: String = (0..8)
            .map(|_| {
                let i = rand::Rng::gen_range(&mut rand::rngs::OsRng, 0..ALPHABET.len());
                char::from(ALPHABET[i])
            })
            .collect();
        let reference = format!("PA-{tail}");
        if apps::find_by_reference(conn, &reference)?.is_none() {
            return Ok(reference);
        }
    }
}

pub(crate) fn document_row(
    application_id: &str,
    d: &DocumentInput,
    now: DateTime<Utc>,
) -> ProviderDocument {
    ProviderDocument {
        id: new_id(),
        application_id: Some(application_id.to_owned()),
        provider_id: None,
        document_type: d.kind,
        number: d.number.trim().to_owned(),
        issuing_authority: d.issuing_authority.trim().to_owned(),
        expires_on: d.expires_on,
        scan_ref: d.scan_ref.trim().to_owned(),
        added_at: to_db(now),
        expired_at: None,
        replaced_by: None,
    }
}

/// The Office records a registered provider's renewed (or further) documents: each
/// replaces the provider's earlier documents of its type, which are then neither reminded
/// nor suspend the provider. Audited.
pub fn record_provider_documents(
    conn: &mut DbConn,
    office: &super::accounts::Staff,
    provider_id: &crate::ids::ProviderId,
    documents: &[DocumentInput],
    now: DateTime<Utc>,
) -> CoreResult<Vec<ProviderDocument>> {
    super::provider_lifecycle::require_office(office)?;
    let today = hong_kong_date(now);
    if documents.is_empty() || documents.len() > 20 {
        return Err(CoreError::invalid("documents", "1 to 20 documents"));
    }
    for d in documents {
        d.validate(today)?;
    }
    write_tx(conn, |c| {
        let provider = crate::db::providers::find(c, provider_id.as_str())?
            .ok_or(CoreError::NotFound("provider"))?;
        for d in documents {
            let row = ProviderDocument {
                application_id: None,
                provider_id: Some(provider.id.clone()),
                ..document_row("", d, now)
            };
            apps::insert_document(c, &row)?;
            apps::replace_earlier(c, &provider.id, d.kind, &row.id)?;
        }
        let entry = NewAuditEntry::new(AuditAction::ProviderDocumentsRecorded, office.actor(), AuditOutcome::Succeeded)
            .provider(&provider.id)
            .details(json!({ "documents": documents.iter().map(|d| json!({"type": d.kind.as_str(), "number": d.number.trim(), "expires_on": d.expires_on.map(|x| x.to_string())})).collect::<Vec<_>>() }));
        audit::append(c, &entry, now)?;
        Ok(apps::documents_of_provider(c, &provider.id)?)
    })
}

pub(crate) fn audit_application(
    conn: &mut DbConn,
    actor: &Actor,
    app: &ProviderApplication,
    step: &str,
    details: &serde_json::Value,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let mut d = json!({ "application_id": app.id, "reference": app.reference, "name_en": app.name_en, "establishment_type": app.establishment_type });
    if let (Some(d), Some(extra)) = (d.as_object_mut(), details.as_object()) {
        d.extend(extra.clone());
    }
    let mut entry = NewAuditEntry::new(
        AuditAction::ProviderApplication,
        actor.clone(),
        AuditOutcome::Succeeded,
    )
    .reason(step)
    .details(d);
    if let Some(p) = &app.provider_id {
        entry = entry.provider(p.clone());
    }
    audit::append(conn, &entry, now)?;
    Ok(())
}

/// Writes to the applicant: the contact's email and the application's address (a letter
/// never carries a secret: `code` is dropped from it).
pub(crate) fn tell_applicant(
    conn: &mut DbConn,
    app: &ProviderApplication,
    kind: NotificationKind,
    event_id: &str,
    facts: ProviderFacts,
    now: DateTime<Utc>,
) -> CoreResult<usize> {
    let language = app.language;
    let mut facts = facts;
    facts.provider.provider_name_en = Some(app.name_en.clone());
    facts.provider.provider_name_zh = Some(app.name_zh.clone());
    facts.reference.get_or_insert_with(|| app.reference.clone());
    let email = Addressee {
        key: format!("contact:{}", app.id),
        channel: Channel::Email,
        destination: app.contact_email.clone(),
        name: app.contact_name.clone(),
        language,
    };
    let letter = Addressee {
        key: format!("address:{}", app.id),
        channel: Channel::Post,
        destination: app.address.clone(),
        name: if language == Language::English {
            app.name_en.clone()
        } else {
            app.name_zh.clone()
        },
        language,
    };
    let event = ProviderEvent {
        kind,
        event_id: event_id.to_owned(),
        facts: facts.clone(),
    };
    let mut n = enqueue_to(conn, &[email], &event, now)?;
    facts.code = None;
    n += enqueue_to(conn, &[letter], &ProviderEvent { facts, ..event }, now)?;
    Ok(n)
}

/// The applicant adds documents the Office asked for, with the reference and the secret
/// sent to the contact. A wrong reference or secret is answered as "not found" either way
/// and counted against the client address.
#[allow(clippy::too_many_arguments)]
pub fn add_documents_online(
    conn: &mut DbConn,
    client: &str,
    per_hour: u32,
    reference: &str,
    secret: &str,
    documents: &[DocumentInput],
    now: DateTime<Utc>,
) -> CoreResult<ProviderApplication> {
    count_try(
        conn,
        &format!("provider-application-documents:{client}"),
        &form_policy(per_hour),
        now,
    )?;
    let found = apps::find_by_reference(conn, reference.trim())?;
    let digest = token_digest(secret.trim());
    let Some(app) =
        found.filter(|a| bool::from(a.secret_digest.as_bytes().ct_eq(digest.as_bytes())))
    else {
        return Err(CoreError::NotFound("provider_application"));
    };
    add_documents(conn, &Actor::system(), &app.id, documents, now)
}

/// Adds documents to an open application; one that was asked for more goes back to the
/// Office (`submitted`).
pub fn add_documents(
    conn: &mut DbConn,
    actor: &Actor,
    application_id: &str,
    documents: &[DocumentInput],
    now: DateTime<Utc>,
) -> CoreResult<ProviderApplication> {
    let today = hong_kong_date(now);
    if documents.is_empty() || documents.len() > 20 {
        return Err(CoreError::invalid("documents", "1 to 20 documents"));
    }
    for d in documents {
        d.validate(today)?;
    }
    write_tx(conn, |c| {
        let app =
            apps::find(c, application_id)?.ok_or(CoreError::NotFound("provider_application"))?;
        let status = app.status;
        if !matches!(
            status,
            ProviderApplicationStatus::Submitted | ProviderApplicationStatus::MoreRequested
        ) {
            return Err(CoreError::conflict(
                ErrorCode::ApplicationClosed,
                format!("this application is {status}"),
            ));
        }
        if status == ProviderApplicationStatus::MoreRequested
            && !apps::set_status(
                c,
                &app.id,
                status,
                ProviderApplicationStatus::Submitted,
                app.office_note.as_deref(),
                to_db(now),
            )?
        {
            return Err(CoreError::conflict(
                ErrorCode::ApplicationClosed,
                "this application was decided meanwhile",
            ));
        }
        let mut ids = Vec::new();
        for d in documents {
            let row = document_row(&app.id, d, now);
            ids.push(row.id.clone());
            apps::insert_document(c, &row)?;
        }
        audit_application(
            c,
            actor,
            &app,
            "documents_added",
            &json!({ "documents": documents.len() }),
            now,
        )?;
        let event_id = format!("provider-application-documents:{}", ids.join(","));
        tell_applicant(
            c,
            &app,
            NotificationKind::ProviderApplicationReceived,
            &sha_event(&event_id),
            ProviderFacts::default(),
            now,
        )?;
        apps::find(c, &app.id)?.ok_or(CoreError::NotFound("provider_application"))
    })
}

/// A short event id for a long one.
fn sha_event(s: &str) -> String {
    format!(
        "provider-application-documents:{}",
        &sha256_hex(s.as_bytes())[..32]
    )
}
