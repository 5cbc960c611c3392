//! The patient's access records: who viewed their record (the granted record views of
//! the audit log), newest first, paged by sequence number (a cursor that stays right
//! while new entries arrive). Each page is read in one query, with the provider's names
//! and the entry's place in the verifiable log joined in.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{audit_leaves as leaves, audit_log as log, providers};
use crate::db::DbConn;
use crate::domain::{AuditAction, AuditOutcome};
use crate::error::{CoreError, CoreResult};
use crate::ids::PatientId;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// A page asked for: older than `before` (the `next_before` of the previous page), at
/// most `limit` records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    before: Option<i64>,
    limit: i64,
}

impl PageRequest {
    pub fn parse(before: Option<i64>, limit: Option<i64>) -> CoreResult<Self> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(CoreError::invalid("limit", "must be 1 to 100"));
        }
        if before.is_some_and(|b| b < 1) {
            return Err(CoreError::invalid(
                "before",
                "must be a cursor from a previous page",
            ));
        }
        Ok(Self { before, limit })
    }
}

/// One granted view of the record.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct AccessRecord {
    pub seq: i64,
    pub accessed_at: NaiveDateTime,
    pub provider_id: Option<String>,
    pub profession: Option<String>,
    /// Comma-separated, as the audit log keeps them (see `data_types()`).
    pub data_types: String,
    pub purpose: Option<String>,
    pub provider_name_en: Option<String>,
    pub provider_name_zh: Option<String>,
    /// The entry's leaf in the verifiable log, once integrated.
    pub leaf_index: Option<i64>,
}

impl AccessRecord {
    pub fn data_types(&self) -> Vec<String> {
        self.data_types
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRecordPage {
    pub records: Vec<AccessRecord>,
    /// The cursor of the next (older) page; none on the last page.
    pub next_before: Option<i64>,
}

/// The page of `patient_id`'s access records that `page` asks for. The page's entries are
/// picked first (newest first, at most one more than asked) and only they are joined to
/// their provider and leaf: with the partial index `audit_log_patient_views`, a page reads
/// its own rows whatever the length of the patient's log (docs/performance.md).
pub fn page(
    conn: &mut DbConn,
    patient_id: &PatientId,
    page: PageRequest,
) -> CoreResult<AccessRecordPage> {
    let mine = diesel::alias!(crate::db::schema::audit_log as page_entries);
    let newest = mine
        .filter(mine.field(log::patient_id).eq(patient_id))
        .filter(mine.field(log::event).eq(AuditAction::RecordView.as_str()))
        .filter(mine.field(log::outcome).eq(AuditOutcome::Granted.as_str()))
        // No cursor: every seq is below i64::MAX (one query shape for both backends; a
        // boxed subquery is bound to one backend).
        .filter(mine.field(log::seq).lt(page.before.unwrap_or(i64::MAX)))
        .order(mine.field(log::seq).desc())
        // One more than asked tells whether there is a next page.
        .limit(page.limit + 1)
        .select(mine.field(log::seq));
    let query = log::table
        .left_join(providers::table.on(log::provider_id.eq(providers::id.nullable())))
        .left_join(leaves::table.on(leaves::seq.eq(log::seq)))
        .filter(log::seq.eq_any(newest))
        .order(log::seq.desc())
        .select((
            log::seq,
            log::occurred_at,
            log::provider_id,
            log::profession,
            log::data_types,
            log::purpose,
            providers::name_en.nullable(),
            providers::name_zh.nullable(),
            leaves::leaf_index.nullable(),
        ));
    let mut records: Vec<AccessRecord> = query.load(conn)?;
    let more = records.len() as i64 > page.limit;
    // The limit is parsed to 1..=100, so this never saturates; a limit is a ceiling.
    records.truncate(usize::try_from(page.limit).unwrap_or(usize::MAX));
    let next_before = more.then(|| records.last().map(|r| r.seq)).flatten();
    Ok(AccessRecordPage {
        records,
        next_before,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_1_to_100_records_before_a_positive_cursor() {
        let default = PageRequest::parse(None, None).expect("default");
        assert_eq!(default.limit, DEFAULT_LIMIT);
        assert!(PageRequest::parse(Some(1), Some(100)).is_ok());
        for (before, limit, field) in [
            (None, Some(0), "limit"),
            (None, Some(101), "limit"),
            (Some(0), None, "before"),
            (Some(-5), Some(10), "before"),
        ] {
            let e = PageRequest::parse(before, limit).expect_err(field);
            assert_eq!(e.field(), Some(field));
        }
    }
}
