//! The accounts table's sign-in factors and lists: the TOTP secret and its last accepted
//! step, and a provider's staff. (`accounts.rs` holds the row and its lifecycle.)

use diesel::prelude::*;

use super::accounts::Account;
use super::schema::accounts;
use super::DbConn;

/// Stores a newly enrolled secret; any earlier secret and its last step are forgotten.
pub fn enrol_totp(conn: &mut DbConn, id: &str, secret_base32: &str) -> QueryResult<usize> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::totp_secret.eq(Some(secret_base32)),
            accounts::totp_enabled.eq(true),
            accounts::totp_last_step.eq(None::<i64>),
        ))
        .execute(conn)
}

/// Marks `step` used if it is later than the last used one: a code is accepted once only,
/// and of two concurrent sign-ins with the same code only one wins the update.
pub fn use_totp_step(conn: &mut DbConn, id: &str, step: i64) -> QueryResult<bool> {
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
