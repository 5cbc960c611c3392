//! A synthetic national population, for measuring at scale (`ehealth bench seed`, issue
//! 15): patients with valid HKIC and eHR numbers, their registration, consents with
//! several providers, access keys, shared records, app sessions, and an access log whose
//! Merkle tree and signed checkpoints are built here with the production tree code, so
//! that `ehealth audit verify` passes afterwards. Development and benchmarks only.
//!
//! Rows go in by PostgreSQL `COPY` (binary, through diesel's `copy_from`) or, on SQLite,
//! by multi-row inserts, one transaction per batch. Everything is generated in chunks, so
//! memory stays flat whatever the size. Patient `i`'s id is `patient_id(i)`, so that a
//! benchmark can pick patients at random without reading the whole table; patients below
//! `frequent_patients(n)` are the chronic ones that get half of all record views (pages of
//! access records beyond the first).

mod log;
mod people;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::error::{CoreError, CoreResult};
use crate::ids::PatientId;
use crate::secret::SecretHasher;
use crate::tlog::note::LogSigner;

/// Patients generated (and their rows written) per round.
const CHUNK: u64 = 20_000;
/// Rows per multi-row insert on SQLite: the widest table (patients, 21 columns) stays
/// under SQLite's 32,766 bind parameters.
const SQLITE_ROWS: usize = 1_000;

/// Writes `rows` (a `Vec` of one table's insertable rows) into `table`: one binary `COPY`
/// on PostgreSQL; multi-row inserts in one transaction on SQLite.
macro_rules! write_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            $crate::db::DbConn::Postgres(c) => diesel::copy_from($table)
                .from_insertable($rows)
                .execute(c)
                .map(drop),
            $crate::db::DbConn::Sqlite(c) => {
                use diesel::Connection;
                c.transaction(|c| {
                    for chunk in $rows.chunks($crate::synthetic::SQLITE_ROWS) {
                        diesel::insert_into($table).values(chunk).execute(c)?;
                    }
                    diesel::QueryResult::Ok(())
                })
            }
        }
    };
}
pub(crate) use write_rows;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub patients: u64,
    pub audit_entries: u64,
    /// The same seed gives the same population (names, numbers, consents, log).
    pub seed: u64,
}

impl Plan {
    pub fn new(patients: u64, audit_entries: Option<u64>) -> CoreResult<Self> {
        // One HKIC letter per million: A to Z.
        if patients == 0 || patients > 26_000_000 {
            return Err(CoreError::invalid("patients", "must be 1 to 26,000,000"));
        }
        Ok(Self {
            patients,
            audit_entries: audit_entries.unwrap_or(patients * 10),
            seed: patients,
        })
    }
}

/// Patient `i`'s id (a UUID, as the application's, but derived from `i`).
pub fn patient_id(i: u64) -> PatientId {
    const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6568_6561_6c74_682d_7363_616c_652d_0015);
    PatientId::new(uuid::Uuid::new_v5(&NAMESPACE, &i.to_be_bytes()).to_string())
}

/// How many patients (the first ones) are the frequently seen ones.
pub fn frequent_patients(patients: u64) -> u64 {
    (patients / 100).max(1)
}

/// Rows written to one table and how long it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableTime {
    pub table: &'static str,
    pub rows: u64,
    pub took: Duration,
}

/// The time per table, in the order the tables were first written.
#[derive(Debug, Default)]
pub struct Timings(Vec<TableTime>);

impl Timings {
    /// Runs `write` (which writes `rows` rows to `table`) and adds its time to the table's.
    fn time<T>(
        &mut self,
        table: &'static str,
        rows: usize,
        write: impl FnOnce() -> CoreResult<T>,
    ) -> CoreResult<T> {
        let started = Instant::now();
        let out = write()?;
        let took = started.elapsed();
        let rows = rows as u64;
        match self.0.iter_mut().find(|t| t.table == table) {
            Some(t) => {
                t.rows += rows;
                t.took += took;
            }
            None => self.0.push(TableTime { table, rows, took }),
        }
        Ok(out)
    }

    pub fn tables(&self) -> &[TableTime] {
        &self.0
    }
}

/// Generates `plan`'s population into a migrated database that holds the demo data
/// (`clinic` is the demo clinic: every patient consents to it, so that its doctor's
/// record views are granted) and no synthetic patient yet. Access keys are hashed with
/// `hasher`'s (the configured) parameters; checkpoints are signed with `signer`.
pub fn seed(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    signer: &LogSigner,
    clinic: &str,
    plan: &Plan,
    now: DateTime<Utc>,
) -> CoreResult<Timings> {
    use crate::db::schema::patients;
    let first = patient_id(0);
    if patients::table
        .find(&first)
        .count()
        .get_result::<i64>(conn)?
        > 0
    {
        return Err(CoreError::Internal(
            "this database already holds a synthetic population".into(),
        ));
    }
    let mut timings = Timings::default();
    let mut population = people::Population::start(conn, hasher, clinic, plan, now, &mut timings)?;
    let mut start = 0;
    while start < plan.patients {
        let end = (start + CHUNK).min(plan.patients);
        population.write_patients(conn, start..end, &mut timings)?;
        start = end;
    }
    log::write_log(conn, signer, &population, plan, now, &mut timings)?;
    analyze(conn)?;
    Ok(timings)
}

/// Fresh planner statistics: the benchmark's first queries must not run on the empty
/// tables' estimates.
fn analyze(conn: &mut DbConn) -> CoreResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConn::Postgres(c) => c.batch_execute("ANALYZE")?,
        DbConn::Sqlite(c) => c.batch_execute("ANALYZE")?,
    }
    Ok(())
}

/// A small fast mixing function (SplitMix64's finaliser): the same `(i, salt)` always
/// gives the same well-spread number, so a patient's providers need not be remembered.
pub(crate) fn mix(i: u64, salt: u64) -> u64 {
    let mut z = i
        .wrapping_add(salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
