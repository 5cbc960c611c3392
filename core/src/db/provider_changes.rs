//! A provider's particulars (where it is written to) and its lifecycle changes, each with a
//! reason and an effective Hong Kong date (issue 16).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{provider_particulars as pp, provider_status_changes as psc};
use super::DbConn;
use crate::domain::{Language, ProviderChangeState, ProviderTransition};
use crate::ids::AccountId;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = pp)]
pub struct ProviderParticulars {
    pub provider_id: String,
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub language: Language,
    pub updated_at: NaiveDateTime,
}

pub fn particulars(
    conn: &mut DbConn,
    provider_id: &str,
) -> QueryResult<Option<ProviderParticulars>> {
    pp::table
        .find(provider_id)
        .select(ProviderParticulars::as_select())
        .first(conn)
        .optional()
}

pub fn insert_particulars(conn: &mut DbConn, p: &ProviderParticulars) -> QueryResult<()> {
    diesel::insert_into(pp::table)
        .values(p)
        .execute(conn)
        .map(drop)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = psc)]
pub struct StatusChange {
    pub id: String,
    pub provider_id: String,
    pub transition: ProviderTransition,
    pub reason: String,
    pub effective_on: NaiveDate,
    pub received_on: Option<NaiveDate>,
    pub requested_by: Option<AccountId>,
    pub state: ProviderChangeState,
    pub created_at: NaiveDateTime,
    pub applied_at: Option<NaiveDateTime>,
}

pub fn insert_change(conn: &mut DbConn, c: &StatusChange) -> QueryResult<()> {
    diesel::insert_into(psc::table)
        .values(c)
        .execute(conn)
        .map(drop)
}

pub fn scheduled_for(conn: &mut DbConn, provider_id: &str) -> QueryResult<Option<StatusChange>> {
    psc::table
        .filter(psc::provider_id.eq(provider_id))
        .filter(psc::state.eq(ProviderChangeState::Scheduled))
        .select(StatusChange::as_select())
        .first(conn)
        .optional()
}

/// Scheduled changes whose day has come, oldest first.
pub fn due(conn: &mut DbConn, today: NaiveDate, limit: i64) -> QueryResult<Vec<StatusChange>> {
    psc::table
        .filter(psc::state.eq(ProviderChangeState::Scheduled))
        .filter(psc::effective_on.le(today))
        .order((psc::effective_on, psc::created_at))
        .limit(limit)
        .select(StatusChange::as_select())
        .load(conn)
}

/// Moves a scheduled change to `state`; false if another sweeper took it first (the row
/// lock of the update makes the second wait, then find it no longer scheduled).
pub fn settle(
    conn: &mut DbConn,
    id: &str,
    state: ProviderChangeState,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        psc::table
            .filter(psc::id.eq(id))
            .filter(psc::state.eq(ProviderChangeState::Scheduled)),
    )
    .set((psc::state.eq(state), psc::applied_at.eq(Some(at))))
    .execute(conn)
    .map(|n| n == 1)
}

/// The provider's changes, newest first.
pub fn history(conn: &mut DbConn, provider_id: &str) -> QueryResult<Vec<StatusChange>> {
    psc::table
        .filter(psc::provider_id.eq(provider_id))
        .order(psc::created_at.desc())
        .select(StatusChange::as_select())
        .load(conn)
}

pub fn set_state(conn: &mut DbConn, id: &str, state: ProviderChangeState) -> QueryResult<usize> {
    diesel::update(psc::table.find(id))
        .set(psc::state.eq(state))
        .execute(conn)
}
