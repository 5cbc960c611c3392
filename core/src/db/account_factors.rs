//! The accounts table's sign-in factors and lists: the TOTP secret and its last accepted
//! step, and a provider's staff. (`accounts.rs` holds the row and its lifecycle.)
//!
//! TOTP secrets are stored sealed to their account (see `seal`): a copy of the database
//! does not let anyone make codes.

use diesel::prelude::*;

use super::accounts::Account;
use super::schema::accounts;
use super::DbConn;
use crate::error::CoreError;
use crate::ids::AccountId;
use crate::seal::SecretBox;

fn totp_aad(account_id: &AccountId) -> String {
    format!("totp:{account_id}")
}

/// The TOTP secret as stored for `account_id`.
pub fn seal_totp(
    sealer: &SecretBox,
    account_id: &AccountId,
    secret: &str,
) -> Result<String, CoreError> {
    sealer.seal(&totp_aad(account_id), secret)
}

/// The base32 secret of a stored (sealed) TOTP secret.
pub fn open_totp(
    sealer: &SecretBox,
    account_id: &AccountId,
    stored: &str,
) -> Result<String, CoreError> {
    sealer.open(&totp_aad(account_id), stored)
}

/// Start-up step: seals TOTP secrets stored in clear (before sealing existed) and reseals
/// those under a key other than the current one (after a rotation), in one transaction.
/// Returns how many rows it rewrote.
pub fn reseal_totp(conn: &mut DbConn, sealer: &SecretBox) -> Result<usize, CoreError> {
    let rows: Vec<(AccountId, Option<String>)> = accounts::table
        .filter(accounts::totp_secret.is_not_null())
        .select((accounts::id, accounts::totp_secret))
        .load(conn)?;
    let mut done = 0;
    for (id, stored) in rows {
        let Some(stored) = stored else { continue };
        if SecretBox::key_id(&stored) == sealer.current_key_id() {
            continue;
        }
        let secret = if SecretBox::is_sealed(&stored) {
            open_totp(sealer, &id, &stored)?
        } else {
            stored
        };
        diesel::update(accounts::table.find(&id))
            .set(accounts::totp_secret.eq(Some(seal_totp(sealer, &id, &secret)?)))
            .execute(conn)?;
        done += 1;
    }
    Ok(done)
}

/// Stores a newly enrolled secret, sealed; any earlier secret and its last step are
/// forgotten.
pub fn enrol_totp(
    conn: &mut DbConn,
    sealer: &SecretBox,
    id: &AccountId,
    secret_base32: &str,
) -> Result<usize, CoreError> {
    let sealed = seal_totp(sealer, id, secret_base32)?;
    Ok(diesel::update(accounts::table.find(id))
        .set((
            accounts::totp_secret.eq(Some(sealed)),
            accounts::totp_enabled.eq(true),
            accounts::totp_last_step.eq(None::<i64>),
        ))
        .execute(conn)?)
}

/// Marks `step` used if it is later than the last used one: a code is accepted once only,
/// and of two concurrent sign-ins with the same code only one wins the update.
pub fn use_totp_step(conn: &mut DbConn, id: &AccountId, step: i64) -> QueryResult<bool> {
    let n = diesel::update(
        accounts::table.find(id).filter(
            accounts::totp_last_step
                .is_null()
                .or(accounts::totp_last_step.lt(step)),
        ),
    )
    .set(accounts::totp_last_step.eq(Some(step)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Accounts at a provider, by username.
pub fn at_provider(conn: &mut DbConn, provider_id: &str) -> QueryResult<Vec<Account>> {
    accounts::table
        .filter(accounts::provider_id.eq(provider_id))
        .order(accounts::username)
        .select(Account::as_select())
        .load(conn)
}
