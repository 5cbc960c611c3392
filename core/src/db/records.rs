//! Records shared by providers: one JSON document (FHIR R4 where one fits) per record,
//! of one of the eleven data types.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::shared_records as sr;
use super::DbConn;
use crate::domain::DataType;
use crate::ids::{AccountId, PatientId};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sr)]
// No column has a default: None is NULL, and the rows can be COPYed (`ehealth bench seed`).
#[diesel(treat_none_as_default_value = false)]
pub struct SharedRecord {
    pub id: String,
    pub patient_id: PatientId,
    pub provider_id: String,
    pub data_type: DataType,
    pub document: String,
    pub shared_by: Option<AccountId>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, record: &SharedRecord) -> QueryResult<()> {
    diesel::insert_into(sr::table)
        .values(record)
        .execute(conn)
        .map(drop)
}

/// A patient's records of the given types, oldest first.
pub fn of_types(
    conn: &mut DbConn,
    patient_id: &PatientId,
    types: &[DataType],
) -> QueryResult<Vec<SharedRecord>> {
    sr::table
        .filter(sr::patient_id.eq(patient_id))
        .filter(sr::data_type.eq_any(types))
        .order((sr::created_at, sr::id))
        .select(SharedRecord::as_select())
        .load(conn)
}
