//! Registered patients (healthcare recipients).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::patients;
use super::DbConn;
use crate::domain::{Language, NotificationMeans, PatientStatus, Sex};
use crate::ids::{IdentityDocumentKind, PatientId};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = patients)]
// No column has a default: None is NULL, and the rows can be COPYed (`ehealth bench seed`).
#[diesel(treat_none_as_default_value = false)]
pub struct Patient {
    pub id: PatientId,
    pub ehr_number: String,
    pub id_doc_type: IdentityDocumentKind,
    pub id_doc_number: String,
    pub id_doc_place: Option<String>,
    pub id_doc_key: String,
    pub name_en: String,
    pub name_zh: Option<String>,
    pub date_of_birth: NaiveDate,
    pub sex: Sex,
    pub mobile: String,
    pub email: Option<String>,
    pub postal_address: Option<String>,
    pub language: Language,
    pub notify_sms: bool,
    pub notify_email: bool,
    pub notify_post: bool,
    pub status: PatientStatus,
    pub registered_at: NaiveDateTime,
    pub registered_by_provider: Option<String>,
    pub withdrawn_at: Option<NaiveDateTime>,
}

impl Patient {
    /// The means the patient selected, in a fixed order.
    pub fn notification_means(&self) -> Vec<NotificationMeans> {
        [
            (self.notify_sms, NotificationMeans::Sms),
            (self.notify_email, NotificationMeans::Email),
            (self.notify_post, NotificationMeans::Post),
        ]
        .into_iter()
        .filter_map(|(on, means)| on.then_some(means))
        .collect()
    }
}

pub fn insert(conn: &mut DbConn, patient: &Patient) -> QueryResult<()> {
    diesel::insert_into(patients::table)
        .values(patient)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, id: &PatientId) -> QueryResult<Option<Patient>> {
    patients::table
        .find(id)
        .select(Patient::as_select())
        .first(conn)
        .optional()
}

/// Takes the patient's row lock for the rest of the transaction (a no-op update, the same
/// on both backends): changes to one patient's consents and keys then happen one after
/// the other instead of racing for the "one current row" indexes.
pub fn lock(conn: &mut DbConn, id: &PatientId) -> QueryResult<usize> {
    diesel::update(patients::table.find(id))
        .set(patients::id.eq(patients::id))
        .execute(conn)
}

/// Reads the patient's row and takes its lock for the rest of the transaction, in one
/// round trip: `SELECT ... FOR UPDATE` on PostgreSQL; on SQLite the write transaction
/// (`BEGIN IMMEDIATE`) already holds the database's one write lock, so a plain read.
pub fn find_locked(conn: &mut DbConn, id: &PatientId) -> QueryResult<Option<Patient>> {
    let row = patients::table.find(id);
    match conn {
        DbConn::Postgres(c) => row
            .select(Patient::as_select())
            .for_update()
            .first(c)
            .optional(),
        DbConn::Sqlite(c) => row.select(Patient::as_select()).first(c).optional(),
    }
}

pub fn find_by_ehr_number(conn: &mut DbConn, ehr: &str) -> QueryResult<Option<Patient>> {
    patients::table
        .filter(patients::ehr_number.eq(ehr))
        .select(Patient::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_document(conn: &mut DbConn, id_doc_key: &str) -> QueryResult<Option<Patient>> {
    patients::table
        .filter(patients::id_doc_key.eq(id_doc_key))
        .select(Patient::as_select())
        .first(conn)
        .optional()
}

pub fn ehr_number_taken(conn: &mut DbConn, ehr: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        patients::table.filter(patients::ehr_number.eq(ehr)),
    ))
    .get_result(conn)
}

pub fn mark_withdrawn(conn: &mut DbConn, id: &PatientId, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(patients::table.find(id))
        .set((
            patients::status.eq(PatientStatus::Withdrawn.as_str()),
            patients::withdrawn_at.eq(Some(at)),
        ))
        .execute(conn)
}
