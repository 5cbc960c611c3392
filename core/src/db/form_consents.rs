//! The evidence kept for consents recorded from a signed form or a smart HKIC read: who
//! recorded it, the identity document checked and the scanned form's reference. The
//! Office reads them by provider for audit.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::form_consents as fc;
use super::DbConn;
use crate::domain::ConsentChannel;
use crate::ids::{AccountId, IdentityDocumentKind, PatientId};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = fc)]
pub struct FormConsent {
    pub consent_id: String,
    pub patient_id: PatientId,
    pub provider_id: String,
    pub account_id: AccountId,
    pub channel: ConsentChannel,
    pub id_document_type: IdentityDocumentKind,
    pub form_number: Option<String>,
    pub form_sha256: Option<String>,
    pub recorded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &FormConsent) -> QueryResult<usize> {
    diesel::insert_into(fc::table).values(row).execute(conn)
}

/// A provider's form consents, newest first, before `before` when paging.
pub fn for_provider(
    conn: &mut DbConn,
    provider_id: &str,
    before: Option<NaiveDateTime>,
    limit: i64,
) -> QueryResult<Vec<FormConsent>> {
    let mut query = fc::table
        .filter(fc::provider_id.eq(provider_id))
        .order((fc::recorded_at.desc(), fc::consent_id.desc()))
        .limit(limit)
        .select(FormConsent::as_select())
        .into_boxed();
    if let Some(t) = before {
        query = query.filter(fc::recorded_at.lt(t));
    }
    query.load(conn)
}

pub fn find(conn: &mut DbConn, consent_id: &str) -> QueryResult<Option<FormConsent>> {
    fc::table
        .find(consent_id)
        .select(FormConsent::as_select())
        .first(conn)
        .optional()
}

/// A form consent as the Office audits it: with the patient's eHR number, the recording
/// account's username and the consent's type and present status.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub evidence: FormConsent,
    pub ehr_number: String,
    pub username: String,
    pub consent_type: String,
    pub consent_status: String,
}

/// `for_provider`, with what the Office needs beside each row (three more queries, not
/// three per row).
pub fn listing(
    conn: &mut DbConn,
    provider_id: &str,
    before: Option<NaiveDateTime>,
    limit: i64,
) -> QueryResult<Vec<Listed>> {
    use super::schema::{accounts, patients, sharing_consents as sc};
    use std::collections::HashMap;
    let rows = for_provider(conn, provider_id, before, limit)?;
    let ids = |f: fn(&FormConsent) -> &String| rows.iter().map(f).cloned().collect::<Vec<_>>();
    let patient_ids: Vec<&PatientId> = rows.iter().map(|r| &r.patient_id).collect();
    let ehr: HashMap<PatientId, String> = patients::table
        .filter(patients::id.eq_any(patient_ids))
        .select((patients::id, patients::ehr_number))
        .load::<(PatientId, String)>(conn)?
        .into_iter()
        .collect();
    let account_ids: Vec<AccountId> = rows.iter().map(|r| r.account_id.clone()).collect();
    let users: HashMap<AccountId, String> = accounts::table
        .filter(accounts::id.eq_any(account_ids))
        .select((accounts::id, accounts::username))
        .load::<(AccountId, String)>(conn)?
        .into_iter()
        .collect();
    let consents: HashMap<String, (String, String)> = sc::table
        .filter(sc::id.eq_any(ids(|r| &r.consent_id)))
        .select((sc::id, (sc::consent_type, sc::status)))
        .load::<(String, (String, String))>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|evidence| {
            let (consent_type, consent_status) = consents
                .get(&evidence.consent_id)
                .cloned()
                .unwrap_or_default();
            Listed {
                ehr_number: ehr.get(&evidence.patient_id).cloned().unwrap_or_default(),
                username: users.get(&evidence.account_id).cloned().unwrap_or_default(),
                consent_type,
                consent_status,
                evidence,
            }
        })
        .collect())
}
