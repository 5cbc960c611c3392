//! Signing in at a provider (or the Office): password and a TOTP code, each code accepted
//! once only, wrong tries throttled per login, every try audited. Refused for disabled
//! accounts and for providers that are not registered.

use crate::ids::AccountId;
use crate::ErrorCode;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::accounts::{self as staff_accounts, Staff, SESSION_KIND};
use super::throttle;
use crate::config::SecurityConfig;
use crate::db::account_factors;
use crate::db::accounts::{self, Account};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::{sessions, write_tx, DbConn};
use crate::domain::{AccountRole, Actor, ActorKind, AuditAction, AuditOutcome};
use crate::error::{CoreError, CoreResult};
use crate::ids::ProviderId;
use crate::secret::SecretHasher;

/// Checks a TOTP code against a base32 secret at a Unix time; the matched step. Given by
/// the caller (mobile-bridge) so that core does not depend on the TOTP library.
pub type TotpCheck = fn(&str, &str, u64) -> Option<u64>;

#[derive(Debug, Clone)]
pub struct Credentials {
    /// None: an Office account.
    pub provider_id: Option<ProviderId>,
    pub username: String,
    pub password: String,
    pub totp_code: String,
}

#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub staff: Staff,
}

enum Attempt {
    Done(Box<SignedIn>),
    Wrong,
    Throttled(u64),
    Refused(CoreError),
}

fn wrong_credentials() -> CoreError {
    CoreError::unauthenticated(
        ErrorCode::WrongCredentials,
        "the provider id, username, password or code is wrong",
    )
}

/// Signs in; the try, right or wrong, is committed with its audit entry before a refusal.
pub fn sign_in(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    security: &SecurityConfig,
    totp_check: TotpCheck,
    creds: &Credentials,
    now: DateTime<Utc>,
) -> CoreResult<SignedIn> {
    let checked = password_first(conn, hasher, creds, now)?;
    let attempt = write_tx(conn, |conn| {
        let factors = Factors {
            totp_check,
            creds,
            checked: checked.as_ref(),
        };
        try_sign_in(conn, hasher, security, &factors, now)
    })?;
    match attempt {
        Attempt::Done(signed_in) => Ok(*signed_in),
        Attempt::Wrong => Err(wrong_credentials()),
        Attempt::Throttled(secs) => Err(throttle::rate_limited(secs)),
        Attempt::Refused(e) => Err(e),
    }
}

/// A password verified before the write transaction, against the account found then (none:
/// a decoy was spent).
struct Checked {
    account: Option<(AccountId, String)>,
    matched: bool,
}

fn scope_of(creds: &Credentials) -> String {
    let provider = creds.provider_id.as_ref().map(ProviderId::as_str);
    format!("signin:{}:{}", provider.unwrap_or("office"), creds.username)
}

/// The password's Argon2id verification, before the write transaction (on SQLite it would
/// hold the one writer lock): a place in the pool first (`Busy` before the account is
/// looked up), then exactly one verification, a decoy if there is no such account. None
/// for a login that looks throttled: its try will be refused without a check.
fn password_first(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    creds: &Credentials,
    now: DateTime<Utc>,
) -> CoreResult<Option<Checked>> {
    let turn = hasher.reserve()?;
    if throttle::retry_after_unlocked(conn, &scope_of(creds), now)?.is_some() {
        return Ok(None);
    }
    let provider = creds.provider_id.as_ref().map(ProviderId::as_str);
    let checked = match accounts::find_by_login(conn, provider, &creds.username)? {
        Some(a) => Checked {
            matched: turn.verify(&creds.password, &a.password_hash)?,
            account: Some((a.id, a.password_hash)),
        },
        None => Checked {
            matched: turn.verify_decoy(&creds.password)?,
            account: None,
        },
    };
    Ok(Some(checked))
}

/// What the transaction checks: the credentials, the password's verification made before.
struct Factors<'a> {
    totp_check: TotpCheck,
    creds: &'a Credentials,
    checked: Option<&'a Checked>,
}

impl Factors<'_> {
    /// Whether the password is right for `account` (none: spend a decoy), using the
    /// verification made before if it was of the same account and hash.
    fn password_ok(&self, hasher: &SecretHasher, account: Option<&Account>) -> CoreResult<bool> {
        let before = self.checked.map(|c| (c.account.as_ref(), c.matched));
        let password = &self.creds.password;
        match (account, before) {
            (Some(a), Some((Some((id, hash)), matched)))
                if *id == a.id && *hash == a.password_hash =>
            {
                Ok(matched)
            }
            (None, Some((None, _))) => Ok(false),
            (Some(a), _) => hasher.verify(password, &a.password_hash),
            (None, _) => hasher.verify_decoy(password),
        }
    }
}

fn try_sign_in(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    security: &SecurityConfig,
    factors: &Factors<'_>,
    now: DateTime<Utc>,
) -> CoreResult<Attempt> {
    let (totp_check, creds) = (factors.totp_check, factors.creds);
    let provider = creds.provider_id.as_ref().map(ProviderId::as_str);
    let scope = scope_of(creds);
    let record = |conn: &mut DbConn, account: Option<&Account>, outcome, reason: &str| {
        let actor = match account.map(|a| (a, a.role)) {
            Some((a, AccountRole::UserAdmin)) => Actor::new(ActorKind::UserAdmin, a.id.clone()),
            Some((a, AccountRole::Office)) => Actor::new(ActorKind::Office, a.id.clone()),
            Some((a, _)) => Actor::new(ActorKind::Hcprof, a.id.clone()),
            None => Actor::system(),
        };
        let mut entry = NewAuditEntry::new(AuditAction::SignIn, actor, outcome)
            .reason(reason)
            .details(json!({ "username": creds.username }));
        if let Some(p) = provider {
            entry = entry.provider(p);
        }
        audit::append(conn, &entry, now).map(drop)
    };
    if let Some(secs) = throttle::retry_after(conn, &scope, now)? {
        record(conn, None, AuditOutcome::Locked, "sign_in_throttled")?;
        return Ok(Attempt::Throttled(secs));
    }
    let account = accounts::find_by_login(conn, provider, &creds.username)?;
    let password_ok = factors.password_ok(hasher, account.as_ref())?;
    let step = match &account {
        Some(a) if password_ok => second_factor(hasher, totp_check, a, creds, now),
        _ => None,
    };
    let (Some(account), Some(step)) = (account.as_ref(), step) else {
        throttle::fail(conn, &scope, &security.account_policy(), now)?;
        record(
            conn,
            account.as_ref(),
            AuditOutcome::Failed,
            "wrong_credentials",
        )?;
        return Ok(Attempt::Wrong);
    };
    if !account_factors::use_totp_step(conn, &account.id, step)? {
        throttle::fail(conn, &scope, &security.account_policy(), now)?;
        record(
            conn,
            Some(account),
            AuditOutcome::Failed,
            "totp_code_reused",
        )?;
        // Answered as any wrong try (issue 11): `code_already_used` confirmed the password
        // to whoever held a used code. The audit entry keeps the reason.
        return Ok(Attempt::Wrong);
    }
    let staff = match staff_accounts::authorise(conn, &account.id) {
        Ok(staff) => staff,
        Err(e) => {
            record(
                conn,
                Some(account),
                AuditOutcome::Refused,
                e.code().as_str(),
            )?;
            return Ok(Attempt::Refused(e));
        }
    };
    throttle::clear(conn, &scope)?;
    let ttl = Duration::minutes(security.session_ttl_minutes);
    let (session, token) = sessions::start(conn, SESSION_KIND, account.id.as_str(), ttl, now)?;
    record(conn, Some(account), AuditOutcome::Succeeded, "signed_in")?;
    Ok(Attempt::Done(Box::new(SignedIn {
        token,
        expires_at: crate::db::from_db(session.expires_at),
        staff,
    })))
}

/// The TOTP step matched, if the code matches (the password was right). The password is
/// always verified (a decoy when there is no account) so timing does not tell which.
fn second_factor(
    hasher: &SecretHasher,
    totp_check: TotpCheck,
    account: &Account,
    creds: &Credentials,
    now: DateTime<Utc>,
) -> Option<i64> {
    if !account.totp_enabled {
        return None;
    }
    let stored = account.totp_secret.as_deref()?;
    let secret = match account_factors::open_totp(hasher.sealer(), &account.id, stored) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(account = %account.id, error = %e, "stored TOTP secret does not open");
            return None;
        }
    };
    let unix = u64::try_from(now.timestamp()).ok()?;
    totp_check(&secret, &creds.totp_code, unix).and_then(|s| i64::try_from(s).ok())
}
