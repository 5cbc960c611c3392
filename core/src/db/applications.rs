//! Applications to join, from the app (or a provider's walk-in registration).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::applications as ap;
use super::DbConn;
use crate::domain::{ApplicationStatus, Language, Sex};
use crate::ids::{IdentityDocumentKind, PatientId, SdmId};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = ap)]
pub struct Application {
    pub id: String,
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
    pub sdm_id: Option<SdmId>,
    pub status: ApplicationStatus,
    pub patient_id: Option<PatientId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, application: &Application) -> QueryResult<()> {
    diesel::insert_into(ap::table)
        .values(application)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Application>> {
    ap::table
        .find(id)
        .select(Application::as_select())
        .first(conn)
        .optional()
}

/// The open (not completed, not cancelled) application for an identity document.
pub fn open_for_document(conn: &mut DbConn, id_doc_key: &str) -> QueryResult<Option<Application>> {
    ap::table
        .filter(ap::id_doc_key.eq(id_doc_key))
        .filter(ap::status.eq_any([
            ApplicationStatus::PendingMobileVerification,
            ApplicationStatus::PendingIdentityVerification,
        ]))
        .select(Application::as_select())
        .first(conn)
        .optional()
}

/// Moves an application from `from` to `to` (and links the patient once completed);
/// returns false if it was no longer in `from` (someone else moved it first).
pub fn transition(
    conn: &mut DbConn,
    id: &str,
    from: ApplicationStatus,
    to: ApplicationStatus,
    patient_id: Option<&PatientId>,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(ap::table.find(id).filter(ap::status.eq(from)))
        .set((
            ap::status.eq(to),
            ap::patient_id.eq(patient_id),
            ap::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Cancels the open application for a document (the person was registered another way,
/// e.g. as a walk-in at a counter); returns how many were cancelled.
pub fn cancel_open_for_document(
    conn: &mut DbConn,
    id_doc_key: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        ap::table
            .filter(ap::id_doc_key.eq(id_doc_key))
            .filter(ap::status.eq_any([
                ApplicationStatus::PendingMobileVerification,
                ApplicationStatus::PendingIdentityVerification,
            ])),
    )
    .set((
        ap::status.eq(ApplicationStatus::Cancelled),
        ap::updated_at.eq(at),
    ))
    .execute(conn)
}

/// Names the patient an application registered or linked (after it has moved).
pub fn set_patient(conn: &mut DbConn, id: &str, patient_id: &PatientId) -> QueryResult<()> {
    diesel::update(ap::table.find(id))
        .set(ap::patient_id.eq(Some(patient_id)))
        .execute(conn)
        .map(drop)
}
