//! Substitute decision makers and their links to the patients they act for.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{patients, sdm_links as sl, substitute_decision_makers as sdm};
use super::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sdm)]
pub struct SubstituteDecisionMaker {
    pub id: String,
    pub id_doc_key: String,
    pub name_en: String,
    pub name_zh: Option<String>,
    pub date_of_birth: NaiveDate,
    pub mobile: String,
    pub email: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sl)]
pub struct SdmLink {
    pub id: String,
    pub sdm_id: String,
    pub patient_id: String,
    /// Why they may act: `minor` (under 16) or `lacking_capacity`.
    pub basis: String,
    pub relationship: String,
    pub valid_from: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
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

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<SubstituteDecisionMaker>> {
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
    sdm_id: &str,
    ehr_number: &str,
) -> QueryResult<Option<String>> {
    sl::table
        .inner_join(patients::table.on(patients::id.eq(sl::patient_id)))
        .filter(sl::sdm_id.eq(sdm_id))
        .filter(sl::ended_at.is_null())
        .filter(patients::ehr_number.eq(ehr_number))
        .select(patients::id)
        .first(conn)
        .optional()
}

/// eHR numbers of the patients an SDM currently acts for.
pub fn linked_ehr_numbers(conn: &mut DbConn, sdm_id: &str) -> QueryResult<Vec<String>> {
    sl::table
        .inner_join(patients::table.on(patients::id.eq(sl::patient_id)))
        .filter(sl::sdm_id.eq(sdm_id))
        .filter(sl::ended_at.is_null())
        .order(patients::ehr_number)
        .select(patients::ehr_number)
        .load(conn)
}
