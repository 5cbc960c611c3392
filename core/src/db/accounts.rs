//! Accounts of healthcare professionals, user administrators and the Office.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::accounts;
use super::DbConn;
use crate::domain::{AccountRole, AccountStatus, Profession};
use crate::ids::AccountId;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = accounts)]
pub struct Account {
    pub id: AccountId,
    pub provider_id: Option<String>,
    pub role: AccountRole,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
    pub profession: Option<Profession>,
    pub registration_number: Option<String>,
    pub status: AccountStatus,
    pub created_at: NaiveDateTime,
    pub disabled_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, account: &Account) -> QueryResult<()> {
    diesel::insert_into(accounts::table)
        .values(account)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, id: &AccountId) -> QueryResult<Option<Account>> {
    accounts::table
        .find(id)
        .select(Account::as_select())
        .first(conn)
        .optional()
}

/// An account with the provider it belongs to (none for the Office), in one query.
pub fn find_with_provider(
    conn: &mut DbConn,
    id: &AccountId,
) -> QueryResult<Option<(Account, Option<super::providers::Provider>)>> {
    use super::schema::providers;
    accounts::table
        .left_join(providers::table.on(accounts::provider_id.eq(providers::id.nullable())))
        .filter(accounts::id.eq(id))
        .select((
            Account::as_select(),
            Option::<super::providers::Provider>::as_select(),
        ))
        .first(conn)
        .optional()
}

/// An account by its login: provider id (none for the Office) and username.
pub fn find_by_login(
    conn: &mut DbConn,
    provider_id: Option<&str>,
    username: &str,
) -> QueryResult<Option<Account>> {
    let query = accounts::table
        .filter(accounts::username.eq(username))
        .select(Account::as_select());
    match provider_id {
        Some(p) => query.filter(accounts::provider_id.eq(p)).first(conn),
        None => query.filter(accounts::provider_id.is_null()).first(conn),
    }
    .optional()
}

pub fn set_status(
    conn: &mut DbConn,
    id: &AccountId,
    status: AccountStatus,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let disabled_at = (status == AccountStatus::Disabled).then_some(at);
    diesel::update(accounts::table.find(id))
        .set((
            accounts::status.eq(status.as_str()),
            accounts::disabled_at.eq(disabled_at),
        ))
        .execute(conn)
}

pub fn set_registration_number(
    conn: &mut DbConn,
    id: &AccountId,
    number: &str,
) -> QueryResult<usize> {
    diesel::update(accounts::table.find(id))
        .set(accounts::registration_number.eq(Some(number)))
        .execute(conn)
}

pub fn set_password_hash(conn: &mut DbConn, id: &AccountId, hash: &str) -> QueryResult<usize> {
    diesel::update(accounts::table.find(id))
        .set(accounts::password_hash.eq(hash))
        .execute(conn)
}
