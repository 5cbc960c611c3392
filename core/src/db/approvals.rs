//! The patient's additional consent for restricted data types, asked by an HCProf and
//! decided by the patient (or SDM) in the app.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::approvals as apv;
use super::{to_db, DbConn};
use crate::domain::{ActorKind, ApprovalStatus, DataType};
use crate::error::CoreResult;
use crate::ids::{AccountId, PatientId};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = apv)]
pub struct Approval {
    pub id: String,
    pub patient_id: PatientId,
    pub provider_id: String,
    pub account_id: AccountId,
    pub data_types: String,
    pub reason: String,
    pub status: ApprovalStatus,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by_kind: Option<ActorKind>,
    pub decided_by_id: Option<String>,
}

impl Approval {
    pub fn data_types(&self) -> CoreResult<Vec<DataType>> {
        DataType::split(&self.data_types)
    }
}

pub fn insert(conn: &mut DbConn, approval: &Approval) -> QueryResult<()> {
    diesel::insert_into(apv::table)
        .values(approval)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Approval>> {
    apv::table
        .find(id)
        .select(Approval::as_select())
        .first(conn)
        .optional()
}

/// A patient's approvals, newest first.
pub fn for_patient(conn: &mut DbConn, patient_id: &PatientId) -> QueryResult<Vec<Approval>> {
    apv::table
        .filter(apv::patient_id.eq(patient_id))
        .order(apv::created_at.desc())
        .select(Approval::as_select())
        .load(conn)
}

/// Records the decision on a pending approval; false if it was not pending.
pub fn decide(
    conn: &mut DbConn,
    id: &str,
    approve: bool,
    by_kind: ActorKind,
    by_id: &str,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let n = diesel::update(
        apv::table
            .find(id)
            .filter(apv::status.eq(ApprovalStatus::Pending)),
    )
    .set((
        apv::status.eq(if approve {
            ApprovalStatus::Approved
        } else {
            ApprovalStatus::Denied
        }),
        apv::decided_at.eq(Some(to_db(now))),
        apv::decided_by_kind.eq(Some(by_kind)),
        apv::decided_by_id.eq(Some(by_id)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Restricted types the patient has approved for a provider and that have not expired.
pub fn approved_types(
    conn: &mut DbConn,
    patient_id: &PatientId,
    provider_id: &str,
    now: DateTime<Utc>,
) -> CoreResult<BTreeSet<DataType>> {
    let lists: Vec<String> = apv::table
        .filter(apv::patient_id.eq(patient_id))
        .filter(apv::provider_id.eq(provider_id))
        .filter(apv::status.eq(ApprovalStatus::Approved))
        .filter(apv::expires_at.gt(to_db(now)))
        .select(apv::data_types)
        .load(conn)?;
    let mut out = BTreeSet::new();
    for list in lists {
        out.extend(DataType::split(&list)?);
    }
    Ok(out)
}
