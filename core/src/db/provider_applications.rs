//! Providers' applications and their supporting documents, and the activation of an
//! approved provider's first user administrator (issue 16).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    account_activations as aa, provider_applications as pa, provider_document_reminders as pdr,
    provider_documents as pd,
};
use super::DbConn;
use crate::domain::{
    ApplicationChannel, DocumentType, EstablishmentType, Language, Profession,
    ProviderApplicationStatus,
};
use crate::ids::AccountId;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = pa)]
pub struct ProviderApplication {
    pub id: String,
    pub reference: String,
    pub secret_digest: String,
    pub channel: ApplicationChannel,
    pub status: ProviderApplicationStatus,
    pub dedupe_key: String,
    pub name_en: String,
    pub name_zh: String,
    pub establishment_type: EstablishmentType,
    pub address: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub language: Language,
    pub admin_name: String,
    pub admin_username: String,
    pub admin_email: String,
    pub admin_profession: Option<Profession>,
    pub admin_registration_number: Option<String>,
    pub admin_registration_expires_on: Option<NaiveDate>,
    pub office_note: Option<String>,
    pub provider_id: Option<String>,
    pub admin_account_id: Option<AccountId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = pd)]
pub struct ProviderDocument {
    pub id: String,
    /// None for a document the Office recorded for a registered provider (a renewal).
    pub application_id: Option<String>,
    pub provider_id: Option<String>,
    pub document_type: DocumentType,
    pub number: String,
    pub issuing_authority: String,
    pub expires_on: Option<NaiveDate>,
    pub scan_ref: String,
    pub added_at: NaiveDateTime,
    pub expired_at: Option<NaiveDateTime>,
    pub replaced_by: Option<String>,
}

pub fn insert(conn: &mut DbConn, a: &ProviderApplication) -> QueryResult<()> {
    diesel::insert_into(pa::table)
        .values(a)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<ProviderApplication>> {
    pa::table
        .find(id)
        .select(ProviderApplication::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_reference(
    conn: &mut DbConn,
    reference: &str,
) -> QueryResult<Option<ProviderApplication>> {
    pa::table
        .filter(pa::reference.eq(reference))
        .select(ProviderApplication::as_select())
        .first(conn)
        .optional()
}

/// Applications in `status` (all when none), oldest first.
pub fn list(
    conn: &mut DbConn,
    status: Option<ProviderApplicationStatus>,
    limit: i64,
) -> QueryResult<Vec<ProviderApplication>> {
    let mut q = pa::table.into_boxed();
    if let Some(s) = status {
        q = q.filter(pa::status.eq(s));
    }
    q.order(pa::created_at)
        .limit(limit)
        .select(ProviderApplication::as_select())
        .load(conn)
}

/// Moves the application from `from` to `to` with the Office's note; false if it was no
/// longer `from` (a concurrent decision got there first).
pub fn set_status(
    conn: &mut DbConn,
    id: &str,
    from: ProviderApplicationStatus,
    to: ProviderApplicationStatus,
    note: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let decided = matches!(
        to,
        ProviderApplicationStatus::Approved | ProviderApplicationStatus::Refused
    )
    .then_some(at);
    diesel::update(pa::table.filter(pa::id.eq(id)).filter(pa::status.eq(from)))
        .set((
            pa::status.eq(to),
            pa::office_note.eq(note),
            pa::updated_at.eq(at),
            pa::decided_at.eq(decided),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn set_registered(
    conn: &mut DbConn,
    id: &str,
    provider_id: &str,
    admin_account_id: &AccountId,
) -> QueryResult<usize> {
    diesel::update(pa::table.find(id))
        .set((
            pa::provider_id.eq(Some(provider_id)),
            pa::admin_account_id.eq(Some(admin_account_id)),
        ))
        .execute(conn)
}

pub fn insert_document(conn: &mut DbConn, d: &ProviderDocument) -> QueryResult<()> {
    diesel::insert_into(pd::table)
        .values(d)
        .execute(conn)
        .map(drop)
}

pub fn documents_of(conn: &mut DbConn, application_id: &str) -> QueryResult<Vec<ProviderDocument>> {
    pd::table
        .filter(pd::application_id.eq(application_id))
        .order(pd::added_at)
        .select(ProviderDocument::as_select())
        .load(conn)
}

pub fn documents_of_provider(
    conn: &mut DbConn,
    provider_id: &str,
) -> QueryResult<Vec<ProviderDocument>> {
    pd::table
        .filter(pd::provider_id.eq(provider_id))
        .order(pd::added_at)
        .select(ProviderDocument::as_select())
        .load(conn)
}

/// The approved application's documents become the provider's.
pub fn attach_to_provider(
    conn: &mut DbConn,
    application_id: &str,
    provider_id: &str,
) -> QueryResult<usize> {
    diesel::update(pd::table.filter(pd::application_id.eq(application_id)))
        .set(pd::provider_id.eq(Some(provider_id)))
        .execute(conn)
}

/// Providers' documents not yet acted on as expired whose last day is before `until`.
pub fn provider_documents_expiring(
    conn: &mut DbConn,
    until: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<ProviderDocument>> {
    pd::table
        .filter(pd::provider_id.is_not_null())
        .filter(pd::expired_at.is_null())
        .filter(pd::replaced_by.is_null())
        .filter(pd::expires_on.le(until))
        .order(pd::expires_on)
        .limit(limit)
        .select(ProviderDocument::as_select())
        .load(conn)
}

/// The provider's documents of `kind` other than `by` now count no more: `by` replaces them.
pub fn replace_earlier(
    conn: &mut DbConn,
    provider_id: &str,
    kind: DocumentType,
    by: &str,
) -> QueryResult<usize> {
    diesel::update(
        pd::table
            .filter(pd::provider_id.eq(provider_id))
            .filter(pd::document_type.eq(kind))
            .filter(pd::id.ne(by))
            .filter(pd::replaced_by.is_null()),
    )
    .set(pd::replaced_by.eq(Some(by)))
    .execute(conn)
}

/// Marks the document acted on as expired; false if another sweeper did first.
pub fn mark_expired(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        pd::table
            .filter(pd::id.eq(id))
            .filter(pd::expired_at.is_null()),
    )
    .set(pd::expired_at.eq(Some(at)))
    .execute(conn)
    .map(|n| n == 1)
}

/// Marks the `days_before` reminder of the document queued; false if it was already.
pub fn claim_reminder(
    conn: &mut DbConn,
    document_id: &str,
    days_before: i32,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let insert = diesel::insert_into(pdr::table)
        .values((
            pdr::document_id.eq(document_id),
            pdr::days_before.eq(days_before),
            pdr::queued_at.eq(at),
        ))
        .on_conflict((pdr::document_id, pdr::days_before))
        .do_nothing();
    Ok(super::insert_or_ignore(conn, insert)? == 1)
}

pub fn insert_activation(
    conn: &mut DbConn,
    account_id: &AccountId,
    code_digest: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(aa::table)
        .values((
            aa::account_id.eq(account_id),
            aa::code_digest.eq(code_digest),
            aa::expires_at.eq(expires_at),
            aa::used_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(drop)
}

/// The unused, unexpired activation of `account_id` whose code has `code_digest`.
pub fn activation(
    conn: &mut DbConn,
    account_id: &AccountId,
    code_digest: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    aa::table
        .filter(aa::account_id.eq(account_id))
        .filter(aa::code_digest.eq(code_digest))
        .filter(aa::used_at.is_null())
        .filter(aa::expires_at.gt(now))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n == 1)
}

/// Uses the activation; false if it was used already (two tries at once: one wins).
pub fn use_activation(
    conn: &mut DbConn,
    account_id: &AccountId,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        aa::table
            .filter(aa::account_id.eq(account_id))
            .filter(aa::used_at.is_null()),
    )
    .set(aa::used_at.eq(Some(at)))
    .execute(conn)
    .map(|n| n == 1)
}
