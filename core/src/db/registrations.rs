//! How provider accounts are reached, and the expiry of a professional's registration
//! (issue 16).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{accounts, professional_registrations as pr, staff_contacts as sc};
use super::DbConn;
use crate::domain::{AccountRole, AccountStatus};
use crate::ids::AccountId;

pub fn set_email(
    conn: &mut DbConn,
    account_id: &AccountId,
    email: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(sc::table.find(account_id)).execute(conn)?;
    diesel::insert_into(sc::table)
        .values((
            sc::account_id.eq(account_id),
            sc::email.eq(email),
            sc::updated_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// The active user administrators of a provider who have an email: (account id, display
/// name, email).
pub fn admin_emails(
    conn: &mut DbConn,
    provider_id: &str,
) -> QueryResult<Vec<(AccountId, String, String)>> {
    accounts::table
        .inner_join(sc::table.on(sc::account_id.eq(accounts::id)))
        .filter(accounts::provider_id.eq(provider_id))
        .filter(accounts::role.eq(AccountRole::UserAdmin.as_str()))
        .filter(accounts::status.eq(AccountStatus::Active.as_str()))
        .filter(sc::email.is_not_null())
        .order(accounts::username)
        .select((
            accounts::id,
            accounts::display_name,
            sc::email.assume_not_null(),
        ))
        .load(conn)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = pr)]
pub struct ProfessionalRegistration {
    pub account_id: AccountId,
    pub expires_on: NaiveDate,
    pub reminded_for: Option<NaiveDate>,
    pub updated_at: NaiveDateTime,
}

pub fn registration(
    conn: &mut DbConn,
    account_id: &AccountId,
) -> QueryResult<Option<ProfessionalRegistration>> {
    pr::table
        .find(account_id)
        .select(ProfessionalRegistration::as_select())
        .first(conn)
        .optional()
}

/// Records (or renews) the expiry; a renewed expiry is reminded afresh.
pub fn set_expiry(
    conn: &mut DbConn,
    account_id: &AccountId,
    expires_on: NaiveDate,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(pr::table.find(account_id)).execute(conn)?;
    diesel::insert_into(pr::table)
        .values((
            pr::account_id.eq(account_id),
            pr::expires_on.eq(expires_on),
            pr::reminded_for.eq(None::<NaiveDate>),
            pr::updated_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// Registrations of active accounts expiring from `from` to `until` (inclusive) whose
/// reminder for that expiry is not queued yet.
pub fn due_reminders(
    conn: &mut DbConn,
    from: NaiveDate,
    until: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<ProfessionalRegistration>> {
    pr::table
        .inner_join(accounts::table.on(accounts::id.eq(pr::account_id)))
        .filter(accounts::status.eq(AccountStatus::Active.as_str()))
        .filter(pr::expires_on.ge(from))
        .filter(pr::expires_on.le(until))
        .filter(
            pr::reminded_for
                .is_null()
                .or(pr::reminded_for.ne(pr::expires_on.nullable())),
        )
        .order(pr::expires_on)
        .limit(limit)
        .select(ProfessionalRegistration::as_select())
        .load(conn)
}

/// Marks the expiry reminded; false if another sweeper did first.
pub fn claim_reminder(
    conn: &mut DbConn,
    account_id: &AccountId,
    expires_on: NaiveDate,
) -> QueryResult<bool> {
    diesel::update(
        pr::table
            .filter(pr::account_id.eq(account_id))
            .filter(pr::expires_on.eq(expires_on))
            .filter(
                pr::reminded_for
                    .is_null()
                    .or(pr::reminded_for.ne(Some(expires_on))),
            ),
    )
    .set(pr::reminded_for.eq(Some(expires_on)))
    .execute(conn)
    .map(|n| n == 1)
}
