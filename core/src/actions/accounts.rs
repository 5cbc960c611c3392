//! Accounts of healthcare professionals, user administrators and the Office: who a signed-in
//! account is on each request, and a user administrator creating, disabling and enrolling
//! the TOTP factor of the accounts at their own provider.

use crate::ids::AccountId;
use crate::ErrorCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use crate::db::account_factors;
use crate::db::accounts::{self, Account};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::providers::{self, Provider};
use crate::db::{registrations, sessions, to_db, write_tx, DbConn};
use crate::domain::{
    AccountRole, AccountStatus, Actor, ActorKind, AuditAction, AuditOutcome, EmailAddress,
    Profession, ProviderStatus, SessionSubject,
};
use crate::error::{CoreError, CoreResult};
use crate::rules::hong_kong_date;
use crate::seal::SecretBox;
use crate::secret::SecretHasher;

/// Sessions of accounts carry this subject kind.
pub const SESSION_KIND: SessionSubject = SessionSubject::Account;

/// A signed-in account as it is now (re-read on every request, so a disabled account or a
/// provider that left stops working at once, even with a live token).
#[derive(Debug, Clone)]
pub struct Staff {
    pub account: Account,
    pub role: AccountRole,
    pub profession: Option<Profession>,
    /// The provider of a provider account (none for the Office).
    pub provider: Option<Provider>,
}

impl Staff {
    pub fn actor(&self) -> Actor {
        let kind = match self.role {
            AccountRole::Hcprof => ActorKind::Hcprof,
            AccountRole::UserAdmin => ActorKind::UserAdmin,
            AccountRole::Office => ActorKind::Office,
        };
        Actor::new(kind, self.account.id.clone())
    }

    pub fn provider_id(&self) -> Option<&str> {
        self.provider.as_ref().map(|p| p.id.as_str())
    }

    /// Refuses unless the account has `role`.
    pub fn require(&self, role: AccountRole) -> CoreResult<&Self> {
        if self.role == role {
            Ok(self)
        } else {
            Err(CoreError::refused(
                ErrorCode::WrongRole,
                format!("this needs a {role} account"),
            ))
        }
    }
}

/// The account of a session, refused if disabled or if its provider cannot act.
pub fn authorise(conn: &mut DbConn, account_id: &AccountId) -> CoreResult<Staff> {
    let staff = load(conn, account_id)?;
    if staff.account.status != AccountStatus::Active {
        return Err(CoreError::refused(
            ErrorCode::AccountDisabled,
            "this account is disabled",
        ));
    }
    if let Some(p) = &staff.provider {
        if p.status != ProviderStatus::Registered {
            return Err(CoreError::refused(
                ErrorCode::ProviderNotRegistered,
                "this provider is not registered with eHealth and cannot act",
            ));
        }
    }
    Ok(staff)
}

/// The account and its provider as stored, whatever their status (for the access
/// decision, which audits a refusal itself).
pub fn load(conn: &mut DbConn, account_id: &AccountId) -> CoreResult<Staff> {
    let (account, provider) =
        accounts::find_with_provider(conn, account_id)?.ok_or(CoreError::NotFound("account"))?;
    if account.provider_id.is_some() && provider.is_none() {
        return Err(CoreError::NotFound("provider"));
    }
    Ok(Staff {
        role: account.role,
        profession: account.profession,
        account,
        provider,
    })
}

/// What a user administrator types to create an account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: AccountRole,
    pub profession: Option<Profession>,
    pub registration_number: Option<String>,
    /// The last day of the professional registration (issue 16); optional, see
    /// docs/decisions.md.
    pub registration_expires_on: Option<NaiveDate>,
    /// Where the account is written to (a user administrator is told of their provider's
    /// status and of their professionals' registrations).
    pub email: Option<EmailAddress>,
}

/// 3 to 64 characters: a-z, 0-9, dot, underscore, hyphen.
pub fn username_ok(u: &str) -> bool {
    (3..=64).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// A registration that has already expired cannot be recorded as the current one.
fn check_expiry(expires_on: NaiveDate, now: DateTime<Utc>) -> CoreResult<()> {
    if expires_on < hong_kong_date(now) {
        return Err(CoreError::invalid(
            "registration_expires_on",
            "this registration has expired already",
        ));
    }
    Ok(())
}

impl NewAccount {
    pub fn validate(&self) -> CoreResult<()> {
        if !username_ok(&self.username) {
            return Err(CoreError::invalid(
                "username",
                "3 to 64 characters: a-z, 0-9, dot, underscore, hyphen",
            ));
        }
        if self.display_name.trim().is_empty() || self.display_name.len() > 200 {
            return Err(CoreError::invalid(
                "display_name",
                "must be 1 to 200 characters",
            ));
        }
        let chars = self.password.chars().count();
        if !(12..=128).contains(&chars) {
            return Err(CoreError::invalid(
                "password",
                "must be 12 to 128 characters",
            ));
        }
        match self.role {
            AccountRole::Office => Err(CoreError::invalid(
                "role",
                "a provider can create hcprof or user_admin accounts",
            )),
            AccountRole::UserAdmin => Ok(()),
            AccountRole::Hcprof => self.validate_professional(),
        }
    }

    fn validate_professional(&self) -> CoreResult<()> {
        if self.profession.is_none() {
            return Err(CoreError::invalid(
                "profession",
                "required for an hcprof account",
            ));
        }
        match self.registration_number.as_deref().map(str::trim) {
            Some(r) if !r.is_empty() && r.len() <= 32 => Ok(()),
            _ => Err(CoreError::invalid(
                "registration_number",
                "required for an hcprof account (1 to 32 characters)",
            )),
        }
    }
}

/// The user administrator's provider, or a refusal.
fn admin_provider(admin: &Staff) -> CoreResult<String> {
    admin.require(AccountRole::UserAdmin)?;
    admin.provider_id().map(str::to_owned).ok_or_else(|| {
        CoreError::refused(ErrorCode::WrongRole, "this needs a provider's user_admin")
    })
}

fn audit_change(
    conn: &mut DbConn,
    admin: &Staff,
    account: &Account,
    change: &str,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let mut entry = NewAuditEntry::new(
        AuditAction::AccountChanged,
        admin.actor(),
        AuditOutcome::Succeeded,
    )
    .details(json!({ "account_id": account.id, "username": account.username, "change": change }));
    if let Some(p) = &account.provider_id {
        entry = entry.provider(p.clone());
    }
    audit::append(conn, &entry, now)?;
    Ok(())
}

/// The provider whose accounts `manager` may create: a user administrator's own; for the
/// Office, the registered provider it names (it sets up a new provider's first user
/// administrator).
fn managed_provider(conn: &mut DbConn, manager: &Staff, named: Option<&str>) -> CoreResult<String> {
    match (manager.role, named) {
        (AccountRole::UserAdmin, None) => admin_provider(manager),
        (AccountRole::Office, Some(id)) => {
            let provider = providers::find(conn, id)?.ok_or(CoreError::NotFound("provider"))?;
            if provider.status != ProviderStatus::Registered {
                return Err(CoreError::refused(
                    ErrorCode::ProviderNotRegistered,
                    "this provider is not registered with eHealth",
                ));
            }
            Ok(provider.id)
        }
        _ => Err(CoreError::refused(
            ErrorCode::WrongRole,
            "this needs a provider's user_admin, or the Office naming the provider",
        )),
    }
}

/// Creates an account at the administrator's own provider (or, by the Office, at the
/// provider named). TOTP is enrolled separately.
pub fn create(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    admin: &Staff,
    at_provider: Option<&str>,
    new: &NewAccount,
    now: DateTime<Utc>,
) -> CoreResult<Account> {
    let provider_id = managed_provider(conn, admin, at_provider)?;
    new.validate()?;
    if let Some(last_day) = new.registration_expires_on {
        if new.role != AccountRole::Hcprof {
            return Err(CoreError::invalid(
                "registration_expires_on",
                "only an hcprof account has a professional registration",
            ));
        }
        check_expiry(last_day, now)?;
    }
    let account = Account {
        id: AccountId::generate(),
        provider_id: Some(provider_id.clone()),
        role: new.role,
        username: new.username.clone(),
        display_name: new.display_name.trim().to_owned(),
        password_hash: hasher.hash(&new.password)?,
        totp_secret: None,
        totp_enabled: false,
        totp_last_step: None,
        profession: new.profession,
        registration_number: new
            .registration_number
            .as_deref()
            .map(|r| r.trim().to_owned()),
        status: AccountStatus::Active,
        created_at: to_db(now),
        disabled_at: None,
    };
    write_tx(conn, |conn| {
        if accounts::find_by_login(conn, Some(&provider_id), &new.username)?.is_some() {
            return Err(CoreError::conflict(
                ErrorCode::UsernameTaken,
                "an account with this username exists at this provider",
            ));
        }
        accounts::insert(conn, &account)?;
        if let Some(email) = &new.email {
            registrations::set_email(conn, &account.id, Some(email.as_str()), to_db(now))?;
        }
        if let Some(last_day) = new.registration_expires_on {
            registrations::set_expiry(conn, &account.id, last_day, to_db(now))?;
        }
        audit_change(conn, admin, &account, "created", now)?;
        Ok(account.clone())
    })
}

/// An account the manager may manage: at a user administrator's own provider (another
/// provider's is "not found"); for the Office, any provider's account.
fn own_account(conn: &mut DbConn, admin: &Staff, id: &AccountId) -> CoreResult<Account> {
    let account = accounts::find(conn, id)?;
    let visible = match admin.role {
        AccountRole::Office => account.filter(|a| a.provider_id.is_some()),
        _ => {
            let provider_id = admin_provider(admin)?;
            account.filter(|a| a.provider_id.as_deref() == Some(provider_id.as_str()))
        }
    };
    visible.ok_or(CoreError::NotFound("account"))
}

/// Disables an account and ends its sessions at once.
pub fn disable(
    conn: &mut DbConn,
    admin: &Staff,
    account_id: &AccountId,
    now: DateTime<Utc>,
) -> CoreResult<Account> {
    write_tx(conn, |conn| {
        let account = own_account(conn, admin, account_id)?;
        accounts::set_status(conn, &account.id, AccountStatus::Disabled, to_db(now))?;
        sessions::revoke_all(conn, SESSION_KIND, account.id.as_str(), now)?;
        audit_change(conn, admin, &account, "disabled", now)?;
        accounts::find(conn, &account.id)?.ok_or(CoreError::NotFound("account"))
    })
}

/// Stores a new TOTP secret (made by the caller) for an account; codes from an earlier
/// enrolment stop working.
pub fn enrol_totp(
    conn: &mut DbConn,
    sealer: &SecretBox,
    admin: &Staff,
    account_id: &AccountId,
    secret_base32: &str,
    now: DateTime<Utc>,
) -> CoreResult<Account> {
    write_tx(conn, |conn| {
        let account = own_account(conn, admin, account_id)?;
        account_factors::enrol_totp(conn, sealer, &account.id, secret_base32)?;
        audit_change(conn, admin, &account, "totp_enrolled", now)?;
        Ok(account)
    })
}

/// Records a professional's renewed registration (its number, when it changed, and its new
/// last day): a professional refused for an expired registration may view records again
/// at once.
pub fn renew_registration(
    conn: &mut DbConn,
    admin: &Staff,
    account_id: &AccountId,
    registration_number: Option<&str>,
    expires_on: NaiveDate,
    now: DateTime<Utc>,
) -> CoreResult<(Account, NaiveDate)> {
    check_expiry(expires_on, now)?;
    let number = registration_number.map(str::trim);
    if number.is_some_and(|n| n.is_empty() || n.len() > 32) {
        return Err(CoreError::invalid(
            "registration_number",
            "1 to 32 characters",
        ));
    }
    write_tx(conn, |conn| {
        let account = own_account(conn, admin, account_id)?;
        if account.role != AccountRole::Hcprof {
            return Err(CoreError::invalid(
                "account",
                "only an hcprof account has a professional registration",
            ));
        }
        if let Some(n) = number {
            accounts::set_registration_number(conn, &account.id, n)?;
        }
        registrations::set_expiry(conn, &account.id, expires_on, to_db(now))?;
        audit_change(conn, admin, &account, "registration_renewed", now)?;
        let account = accounts::find(conn, &account.id)?.ok_or(CoreError::NotFound("account"))?;
        Ok((account, expires_on))
    })
}

/// The accounts at the administrator's provider.
pub fn list(conn: &mut DbConn, admin: &Staff) -> CoreResult<Vec<Account>> {
    let provider_id = admin_provider(admin)?;
    Ok(account_factors::at_provider(conn, &provider_id)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nurse() -> NewAccount {
        NewAccount {
            username: "nurse.lee".into(),
            display_name: "LEE Mei".into(),
            password: "a long enough password".into(),
            role: AccountRole::Hcprof,
            profession: Some(Profession::Nurse),
            registration_number: Some("N12345".into()),
            registration_expires_on: None,
            email: None,
        }
    }

    #[test]
    fn a_professional_needs_profession_registration_number_and_a_sound_login() {
        assert!(nurse().validate().is_ok());
        let field = |a: NewAccount| a.validate().expect_err("refused").field();
        assert_eq!(
            field(NewAccount {
                profession: None,
                ..nurse()
            }),
            Some("profession")
        );
        assert_eq!(
            field(NewAccount {
                registration_number: Some(" ".into()),
                ..nurse()
            }),
            Some("registration_number")
        );
        assert_eq!(
            field(NewAccount {
                username: "Nurse Lee".into(),
                ..nurse()
            }),
            Some("username")
        );
        assert_eq!(
            field(NewAccount {
                password: "short".into(),
                ..nurse()
            }),
            Some("password")
        );
        assert_eq!(
            field(NewAccount {
                role: AccountRole::Office,
                ..nurse()
            }),
            Some("role")
        );
        let admin = NewAccount {
            role: AccountRole::UserAdmin,
            profession: None,
            registration_number: None,
            ..nurse()
        };
        assert!(admin.validate().is_ok());
    }
}
