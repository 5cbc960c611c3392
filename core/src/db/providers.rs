//! Healthcare providers, their lifecycle, and the directory the app searches to pick a
//! provider for consent.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::schema::providers;
use super::DbConn;
use crate::domain::{EstablishmentType, ProviderStatus, PublicBody};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = providers)]
pub struct Provider {
    pub id: String,
    pub name_en: String,
    pub name_zh: String,
    pub establishment_type: EstablishmentType,
    pub public_body: Option<PublicBody>,
    pub status: ProviderStatus,
    pub registered_at: NaiveDateTime,
    pub status_changed_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, provider: &Provider) -> QueryResult<()> {
    diesel::insert_into(providers::table)
        .values(provider)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Provider>> {
    providers::table
        .find(id)
        .select(Provider::as_select())
        .first(conn)
        .optional()
}

pub fn set_status(
    conn: &mut DbConn,
    id: &str,
    status: ProviderStatus,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(providers::table.find(id))
        .set((
            providers::status.eq(status),
            providers::status_changed_at.eq(at),
        ))
        .execute(conn)
}

/// Moves the provider from `from` to `to`; false if its status was no longer `from` (a
/// concurrent change got there first: the row lock makes the second wait, then miss).
pub fn set_status_from(
    conn: &mut DbConn,
    id: &str,
    from: ProviderStatus,
    to: ProviderStatus,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        providers::table
            .filter(providers::id.eq(id))
            .filter(providers::status.eq(from)),
    )
    .set((
        providers::status.eq(to),
        providers::status_changed_at.eq(at),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// HA and DH, which hold deemed consent.
pub fn public_bodies(conn: &mut DbConn) -> QueryResult<Vec<Provider>> {
    providers::table
        .filter(providers::public_body.is_not_null())
        .order(providers::id)
        .select(Provider::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    providers::table.count().get_result(conn)
}

diesel::define_sql_function! { fn lower(x: Text) -> Text; }

/// Registered providers whose id is `query`, or whose English or Chinese name contains
/// it (any letter case), by English name.
pub fn search(conn: &mut DbConn, query: &str, limit: i64) -> QueryResult<Vec<Provider>> {
    let pattern = format!("%{}%", escape_like(&query.to_lowercase()));
    providers::table
        .filter(providers::status.eq(ProviderStatus::Registered))
        .filter(
            providers::id
                .eq(query)
                .or(lower(providers::name_en).like(pattern.clone()).escape('\\'))
                .or(providers::name_zh.like(pattern).escape('\\')),
        )
        .order(providers::name_en)
        .limit(limit)
        .select(Provider::as_select())
        .load(conn)
}

/// `%` and `_` typed by a person are letters, not wildcards.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
