//! The first user administrator of an approved provider activates their account (issue
//! 16): provider id, username and the one-time code from their email, and the password
//! they choose; their TOTP factor is enrolled in the same step (the caller shows the QR
//! once). Every wrong try is answered the same and counted against the client address;
//! the code works once (two tries at once: one wins) and expires.

use crate::ErrorCode;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::provider_applications::count_try;
use crate::db::accounts::{self, Account};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::provider_applications as apps;
use crate::db::{account_factors, to_db, write_tx, DbConn};
use crate::domain::{Actor, ActorKind, AuditAction, AuditOutcome};
use crate::error::{CoreError, CoreResult};
use crate::ids::ProviderId;
use crate::rules::LockoutPolicy;
use crate::seal::SecretBox;
use crate::secret::{token_digest, SecretHasher};

pub struct Activation<'a> {
    pub provider_id: &'a ProviderId,
    pub username: &'a str,
    pub code: &'a str,
    pub password: &'a str,
    /// The new TOTP secret (base32), made by the caller.
    pub totp_secret: &'a str,
}

fn wrong() -> CoreError {
    CoreError::unauthenticated(
        ErrorCode::ActivationInvalid,
        "the provider id, username or activation code is wrong, used or expired",
    )
}

/// Tries per client address per hour.
const POLICY: LockoutPolicy = LockoutPolicy {
    max_failures: 20,
    window: Some(Duration::hours(1)),
    lock_for: Some(Duration::hours(1)),
};

pub fn activate(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    sealer: &SecretBox,
    client: &str,
    a: &Activation<'_>,
    now: DateTime<Utc>,
) -> CoreResult<Account> {
    let chars = a.password.chars().count();
    if !(12..=128).contains(&chars) {
        return Err(CoreError::invalid(
            "password",
            "must be 12 to 128 characters",
        ));
    }
    count_try(conn, &format!("activation:{client}"), &POLICY, now)?;
    let password_hash = hasher.hash(a.password)?;
    let digest = token_digest(a.code.trim());
    write_tx(conn, |c| {
        let account = accounts::find_by_login(c, Some(a.provider_id.as_str()), a.username)?
            .ok_or_else(wrong)?;
        if !apps::activation(c, &account.id, &digest, to_db(now))?
            || !apps::use_activation(c, &account.id, to_db(now))?
        {
            return Err(wrong());
        }
        accounts::set_password_hash(c, &account.id, &password_hash)?;
        account_factors::enrol_totp(c, sealer, &account.id, a.totp_secret)?;
        let entry = NewAuditEntry::new(
            AuditAction::AccountChanged,
            Actor::new(ActorKind::UserAdmin, account.id.clone()),
            AuditOutcome::Succeeded,
        )
        .provider(a.provider_id.as_str())
        .details(json!({ "account_id": account.id, "username": account.username, "change": "activated" }));
        audit::append(c, &entry, now)?;
        accounts::find(c, &account.id)?.ok_or(CoreError::NotFound("account"))
    })
}
