//! The Office reviews a provider's application (issue 16): asks for more (a note the
//! applicant reads), refuses with a reason, or approves. Only on approval is the provider
//! registered (a fresh provider id, as the Office's own registration makes) and its first
//! user administrator created, with no password anyone knows: they choose it themselves
//! with a one-time activation code sent to their email (`activation`). Each decision is
//! compare-and-set on the application's status, so that a double-clicked approval
//! registers one provider.

use crate::ids::AccountId;
use crate::ErrorCode;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::accounts::Staff;
use super::provider_applications::{audit_application, tell_applicant};
use super::provider_lifecycle::{insert_provider, require_office, NewProvider, Particulars};
use super::provider_notices::{enqueue_to, Addressee, ProviderEvent};
use crate::db::accounts::{self, Account};
use crate::db::provider_applications::{self as apps, ProviderApplication};
use crate::db::providers::Provider;
use crate::db::{registrations, to_db, write_tx, DbConn};
use crate::domain::notice::{ProviderFacts, ProviderNames};
use crate::domain::{
    AccountRole, AccountStatus, Channel, EmailAddress, NotificationKind, PostalAddress,
    ProviderApplicationStatus as S,
};
use crate::error::{CoreError, CoreResult};
use crate::rules::hong_kong_date;
use crate::rules::supporting_documents::{self as docs, HeldDocument};
use crate::seal::seal_job_secret;
use crate::secret::{random_token, token_digest, SecretHasher};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Refuse { reason: String },
    RequestMore { note: String },
}

impl Decision {
    pub fn parse(action: &str, text: Option<&str>) -> CoreResult<Self> {
        let text = text.map(str::trim).unwrap_or_default();
        let needs_text = |field: &'static str| {
            if text.is_empty() || text.chars().count() > 1000 {
                Err(CoreError::invalid(field, "1 to 1000 characters"))
            } else {
                Ok(text.to_owned())
            }
        };
        match action {
            "approve" => Ok(Self::Approve),
            "refuse" => Ok(Self::Refuse {
                reason: needs_text("reason")?,
            }),
            "request-more" => Ok(Self::RequestMore {
                note: needs_text("reason")?,
            }),
            _ => Err(CoreError::invalid(
                "action",
                "approve, refuse or request-more",
            )),
        }
    }
}

/// What a decision made: the application, and on approval the provider and the first
/// user administrator's account.
#[derive(Debug, Clone)]
pub struct Decided {
    pub application: ProviderApplication,
    pub provider: Option<Provider>,
    pub administrator: Option<Account>,
}

pub fn decide(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    office: &Staff,
    application_id: &str,
    decision: &Decision,
    activation_days: u32,
    now: DateTime<Utc>,
) -> CoreResult<Decided> {
    require_office(office)?;
    // Hashed outside the transaction (Argon2id is slow): a password no one knows, replaced
    // at activation.
    let placeholder = hasher.hash(&random_token())?;
    let code = random_token();
    write_tx(conn, |c| {
        let app =
            apps::find(c, application_id)?.ok_or(CoreError::NotFound("provider_application"))?;
        let from = app.status;
        let (to, note) = match decision {
            Decision::Approve => (S::Approved, None),
            Decision::Refuse { reason } => (S::Refused, Some(reason.as_str())),
            Decision::RequestMore { note } => (S::MoreRequested, Some(note.as_str())),
        };
        let allowed = match decision {
            Decision::Approve | Decision::RequestMore { .. } => from == S::Submitted,
            Decision::Refuse { .. } => matches!(from, S::Submitted | S::MoreRequested),
        };
        if !allowed || !apps::set_status(c, &app.id, from, to, note, to_db(now))? {
            return Err(CoreError::conflict(
                ErrorCode::InvalidTransition,
                format!("a {from} application cannot be decided that way"),
            ));
        }
        let actor = office.actor();
        let (provider, administrator) = match decision {
            Decision::Approve => {
                let (p, a) = register(c, hasher, &app, &placeholder, &code, activation_days, now)?;
                (Some(p), Some(a))
            }
            Decision::Refuse { reason } => {
                tell(
                    c,
                    &app,
                    NotificationKind::ProviderApplicationRefused,
                    "refused",
                    ProviderFacts {
                        reason: Some(reason.clone()),
                        ..ProviderFacts::default()
                    },
                    now,
                )?;
                (None, None)
            }
            Decision::RequestMore { note } => {
                tell(
                    c,
                    &app,
                    NotificationKind::ProviderApplicationMoreRequested,
                    "more",
                    ProviderFacts {
                        reason: Some(note.clone()),
                        ..ProviderFacts::default()
                    },
                    now,
                )?;
                (None, None)
            }
        };
        let application =
            apps::find(c, &app.id)?.ok_or(CoreError::NotFound("provider_application"))?;
        audit_application(
            c,
            &actor,
            &application,
            to.as_str(),
            &json!({ "note": note }),
            now,
        )?;
        Ok(Decided {
            application,
            provider,
            administrator,
        })
    })
}

fn tell(
    conn: &mut DbConn,
    app: &ProviderApplication,
    kind: NotificationKind,
    step: &str,
    facts: ProviderFacts,
    now: DateTime<Utc>,
) -> CoreResult<usize> {
    // A second request for more on the same application is a new event.
    let event_id = format!(
        "provider-application-{step}:{}:{}",
        app.id,
        now.timestamp_micros()
    );
    tell_applicant(conn, app, kind, &event_id, facts, now)
}

/// Refuses unless the application's documents meet its type's requirements today.
fn documents_complete(
    conn: &mut DbConn,
    app: &ProviderApplication,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let required = docs::requirements(app.establishment_type)
        .ok_or_else(|| CoreError::invalid("establishment_type", "cannot apply"))?;
    let held = apps::documents_of(conn, &app.id)?
        .iter()
        .map(|d| {
            Ok(HeldDocument {
                kind: d.document_type,
                expires_on: d.expires_on,
            })
        })
        .collect::<CoreResult<Vec<_>>>()?;
    let missing = docs::missing(required, &held, hong_kong_date(now));
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = missing.iter().map(|m| docs::describe(m)).collect();
    Err(CoreError::conflict(
        ErrorCode::SupportingDocumentsMissing,
        format!("missing supporting documents: {}", names.join("; ")),
    ))
}

/// The provider, its documents, its first user administrator (no usable password, no
/// TOTP yet) and the activation code, sent to the administrator's email only.
fn register(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    app: &ProviderApplication,
    placeholder_hash: &str,
    code: &str,
    activation_days: u32,
    now: DateTime<Utc>,
) -> CoreResult<(Provider, Account)> {
    documents_complete(conn, app, now)?;
    let language = app.language;
    let new = NewProvider {
        name_en: app.name_en.clone(),
        name_zh: app.name_zh.clone(),
        establishment_type: app.establishment_type,
        particulars: Particulars {
            address: Some(PostalAddress::parse(&app.address)?),
            contact_name: Some(app.contact_name.clone()),
            contact_email: Some(EmailAddress::parse(&app.contact_email)?),
            contact_phone: Some(app.contact_phone.clone()),
            language: Some(language),
        },
    };
    let provider = insert_provider(conn, &crate::domain::Actor::system(), &new, now)?;
    apps::attach_to_provider(conn, &app.id, &provider.id)?;
    let account = Account {
        id: AccountId::generate(),
        provider_id: Some(provider.id.clone()),
        role: AccountRole::UserAdmin,
        username: app.admin_username.clone(),
        display_name: app.admin_name.clone(),
        password_hash: placeholder_hash.to_owned(),
        totp_secret: None,
        totp_enabled: false,
        totp_last_step: None,
        profession: app.admin_profession,
        registration_number: app.admin_registration_number.clone(),
        status: AccountStatus::Active,
        created_at: to_db(now),
        disabled_at: None,
    };
    accounts::insert(conn, &account)?;
    registrations::set_email(conn, &account.id, Some(&app.admin_email), to_db(now))?;
    if let Some(last_day) = app.admin_registration_expires_on {
        registrations::set_expiry(conn, &account.id, last_day, to_db(now))?;
    }
    let expires = now + Duration::days(i64::from(activation_days.max(1)));
    apps::insert_activation(conn, &account.id, &token_digest(code), to_db(expires))?;
    apps::set_registered(conn, &app.id, &provider.id, &account.id)?;
    let app = apps::find(conn, &app.id)?.ok_or(CoreError::NotFound("provider_application"))?;
    let facts = ProviderFacts {
        provider: ProviderNames {
            provider_id: Some(provider.id.clone()),
            ..ProviderNames::default()
        },
        username: Some(account.username.clone()),
        expires_at: Some(expires.to_rfc3339()),
        ..ProviderFacts::default()
    };
    let event_id = format!("provider-application-approved:{}", app.id);
    tell_applicant(
        conn,
        &app,
        NotificationKind::ProviderApplicationApproved,
        &event_id,
        facts.clone(),
        now,
    )?;
    // The code goes to the administrator alone, sealed in the job until delivered.
    let admin_event = format!("provider-administrator-activation:{}", account.id);
    let secret_facts = ProviderFacts {
        code: Some(seal_job_secret(
            hasher.sealer(),
            &admin_event,
            "code",
            code,
        )?),
        provider: ProviderNames::of(&provider),
        reference: Some(app.reference.clone()),
        ..facts
    };
    let admin = Addressee {
        key: account.id.to_string(),
        channel: Channel::Email,
        destination: app.admin_email.clone(),
        name: account.display_name.clone(),
        language,
    };
    let event = ProviderEvent {
        kind: NotificationKind::ProviderApplicationApproved,
        event_id: admin_event,
        facts: secret_facts,
    };
    enqueue_to(conn, &[admin], &event, now)?;
    Ok((provider, account))
}
