//! Substitute decision makers and their links to the patients they act for.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    patients, sdm_applications as sa, sdm_links as sl, substitute_decision_makers as sdm,
};
use super::DbConn;
use crate::domain::{Language, SdmEndReason, SdmLinkStatus};
use crate::ids::{PatientId, SdmId};
use crate::rules::sdm::Basis;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sdm)]
pub struct SubstituteDecisionMaker {
    pub id: SdmId,
    pub id_doc_key: String,
    pub name_en: String,
    pub name_zh: Option<String>,
    pub date_of_birth: NaiveDate,
    pub mobile: String,
    pub email: Option<String>,
    pub created_at: NaiveDateTime,
    pub language: Language,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sl)]
pub struct SdmLink {
    pub id: String,
    pub sdm_id: SdmId,
    pub patient_id: PatientId,
    pub basis: Basis,
    pub relationship: String,
    pub valid_from: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub status: SdmLinkStatus,
    /// The proof documents checked, as a JSON list of `{type, reference}`.
    pub documents: String,
    pub ended_reason: Option<SdmEndReason>,
}

/// An SDM's application for a patient: the SDM's particulars beside the application.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sa)]
pub struct SdmApplication {
    pub application_id: String,
    pub sdm_doc_key: String,
    pub sdm_name_en: String,
    pub sdm_name_zh: Option<String>,
    pub sdm_date_of_birth: NaiveDate,
    pub sdm_mobile: String,
    pub sdm_email: Option<String>,
    pub sdm_language: Language,
    pub basis: Basis,
    pub relationship: String,
    pub documents: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, maker: &SubstituteDecisionMaker) -> QueryResult<()> {
    diesel::insert_into(sdm::table)
        .values(maker)
        .execute(conn)
        .map(drop)
}

pub fn insert_link(conn: &mut DbConn, link: &SdmLink) -> QueryResult<()> {
    diesel::insert_into(sl::table)
        .values(link)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, id: &SdmId) -> QueryResult<Option<SubstituteDecisionMaker>> {
    sdm::table
        .find(id)
        .select(SubstituteDecisionMaker::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_document(
    conn: &mut DbConn,
    id_doc_key: &str,
) -> QueryResult<Option<SubstituteDecisionMaker>> {
    sdm::table
        .filter(sdm::id_doc_key.eq(id_doc_key))
        .select(SubstituteDecisionMaker::as_select())
        .first(conn)
        .optional()
}

/// The patient id behind `ehr_number` if `sdm_id` currently acts for them.
pub fn linked_patient(
    conn: &mut DbConn,
    sdm_id: &SdmId,
    ehr_number: &str,
) -> QueryResult<Option<PatientId>> {
    sl::table
        .inner_join(patients::table.on(patients::id.eq(sl::patient_id)))
        .filter(sl::sdm_id.eq(sdm_id))
        .filter(sl::ended_at.is_null())
        .filter(sl::status.eq(SdmLinkStatus::Active))
        .filter(patients::ehr_number.eq(ehr_number))
        .select(patients::id)
        .first(conn)
        .optional()
}

/// eHR numbers of the patients an SDM currently acts for.
pub fn linked_ehr_numbers(conn: &mut DbConn, sdm_id: &SdmId) -> QueryResult<Vec<String>> {
    sl::table
        .inner_join(patients::table.on(patients::id.eq(sl::patient_id)))
        .filter(sl::sdm_id.eq(sdm_id))
        .filter(sl::ended_at.is_null())
        .filter(sl::status.eq(SdmLinkStatus::Active))
        .order(patients::ehr_number)
        .select(patients::ehr_number)
        .load(conn)
}

pub fn insert_application(conn: &mut DbConn, application: &SdmApplication) -> QueryResult<()> {
    diesel::insert_into(sa::table)
        .values(application)
        .execute(conn)
        .map(drop)
}

pub fn application(conn: &mut DbConn, application_id: &str) -> QueryResult<Option<SdmApplication>> {
    sa::table
        .find(application_id)
        .select(SdmApplication::as_select())
        .first(conn)
        .optional()
}

pub fn find_link(conn: &mut DbConn, id: &str) -> QueryResult<Option<SdmLink>> {
    sl::table
        .find(id)
        .select(SdmLink::as_select())
        .first(conn)
        .optional()
}

/// The link between an SDM and a patient that has not ended (active or suspended).
pub fn current_link(
    conn: &mut DbConn,
    sdm_id: &SdmId,
    patient_id: &PatientId,
) -> QueryResult<Option<SdmLink>> {
    sl::table
        .filter(sl::sdm_id.eq(sdm_id))
        .filter(sl::patient_id.eq(patient_id))
        .filter(sl::ended_at.is_null())
        .select(SdmLink::as_select())
        .first(conn)
        .optional()
}

/// Links that have not ended, with the patient's eHR number, for one SDM.
pub fn current_links_of(
    conn: &mut DbConn,
    sdm_id: &SdmId,
) -> QueryResult<Vec<(SdmLink, String, String)>> {
    sl::table
        .inner_join(patients::table.on(patients::id.eq(sl::patient_id)))
        .filter(sl::sdm_id.eq(sdm_id))
        .filter(sl::ended_at.is_null())
        .order(patients::ehr_number)
        .select((
            SdmLink::as_select(),
            patients::ehr_number,
            patients::name_en,
        ))
        .load(conn)
}

/// Links of a patient that have not ended.
pub fn current_links_for_patient(
    conn: &mut DbConn,
    patient_id: &PatientId,
) -> QueryResult<Vec<SdmLink>> {
    sl::table
        .filter(sl::patient_id.eq(patient_id))
        .filter(sl::ended_at.is_null())
        .order(sl::valid_from)
        .select(SdmLink::as_select())
        .load(conn)
}

/// Ends a link that has not ended; false if it had (someone else ended it first).
pub fn end_link(
    conn: &mut DbConn,
    id: &str,
    reason: SdmEndReason,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(sl::table.find(id).filter(sl::ended_at.is_null()))
        .set((sl::ended_at.eq(Some(at)), sl::ended_reason.eq(Some(reason))))
        .execute(conn)
        .map(|n| n == 1)
}

/// Moves a current link from one status to another; false if it was not in `from`.
pub fn set_status(
    conn: &mut DbConn,
    id: &str,
    from: SdmLinkStatus,
    to: SdmLinkStatus,
) -> QueryResult<bool> {
    diesel::update(
        sl::table
            .find(id)
            .filter(sl::ended_at.is_null())
            .filter(sl::status.eq(from)),
    )
    .set(sl::status.eq(to))
    .execute(conn)
    .map(|n| n == 1)
}

/// Current minor links whose patient was born on or before `born_by` (they have come of
/// age), up to `limit`.
pub fn minor_links_born_by(
    conn: &mut DbConn,
    born_by: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<SdmLink>> {
    sl::table
        .inner_join(patients::table.on(patients::id.eq(sl::patient_id)))
        .filter(sl::ended_at.is_null())
        .filter(sl::basis.eq(Basis::Minor))
        .filter(patients::date_of_birth.le(born_by))
        .order(sl::valid_from)
        .limit(limit)
        .select(SdmLink::as_select())
        .load(conn)
}

/// Every link of a patient, current and ended, oldest first, with the SDM's name.
pub fn links_for_patient(
    conn: &mut DbConn,
    patient_id: &PatientId,
) -> QueryResult<Vec<(SdmLink, String)>> {
    sl::table
        .inner_join(sdm::table.on(sdm::id.eq(sl::sdm_id)))
        .filter(sl::patient_id.eq(patient_id))
        .order(sl::valid_from)
        .select((SdmLink::as_select(), sdm::name_en))
        .load(conn)
}
