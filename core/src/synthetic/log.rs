//! The access log of the synthetic population, with its Merkle tree: the entries are
//! numbered here, hashed into the tree with the production code (`tlog`), and written
//! with their leaves, complete subtrees and a signed checkpoint per chunk, each chunk in
//! one transaction, as a sequencer batch would. (The sequencer integrates about 9,300
//! entries a second, so 10^7 entries would take it 18 minutes; here the tree costs the
//! hashing and the `COPY` of its rows.)

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use super::people::{Population, CONSENTS};
use super::{frequent_patients, mix, patient_id, write_rows, Plan, Timings};
use crate::actions::sequencer;
use crate::db::audit::AuditEntry;
use crate::db::schema::{audit_leaves, audit_log, audit_tree_nodes};
use crate::db::{audit_tree, to_db, write_tx, DbConn};
use crate::domain::{ActorKind, AuditAction, AuditOutcome, DataType, Profession};
use crate::error::CoreResult;
use crate::tlog::leaf::entry_leaf_hash;
use crate::tlog::note::LogSigner;

/// Entries per chunk (and per signed checkpoint).
const LOG_CHUNK: u64 = 50_000;
/// The log spans the last year.
const SPAN_SECONDS: i64 = 365 * 86_400;

pub fn write_log(
    conn: &mut DbConn,
    signer: &LogSigner,
    people: &Population,
    plan: &Plan,
    now: DateTime<Utc>,
    timings: &mut Timings,
) -> CoreResult<()> {
    // What the demo data appended goes first, through the production sequencer.
    let pending = usize::try_from(audit_tree::pending_count(conn)?).unwrap_or_default();
    timings.time("audit: pending entries sequenced", pending, || {
        sequencer::drain(conn, signer, 5_000)
    })?;
    let size = audit_tree::tree_size(conn)?;
    let mut range = audit_tree::compact_range(conn, size)?;
    let last: Option<i64> = audit_log::table
        .select(diesel::dsl::max(audit_log::seq))
        .first(conn)?;
    let first_seq = last.unwrap_or(0) + 1;
    let writer = EntryWriter { people, plan, now };
    let mut start = 0;
    while start < plan.audit_entries {
        let end = (start + LOG_CHUNK).min(plan.audit_entries);
        let mut rng = StdRng::seed_from_u64(plan.seed ^ mix(start, 11));
        let entries: Vec<AuditEntry> = (start..end)
            .map(|k| writer.entry(&mut rng, first_seq + k as i64, k))
            .collect();
        let (mut nodes, mut leaves) = (Vec::new(), Vec::new());
        timings.time("audit leaf and tree hashes", entries.len(), || {
            for e in &entries {
                leaves.push((
                    audit_leaves::leaf_index.eq(range.size() as i64),
                    audit_leaves::seq.eq(e.seq),
                ));
                range.append(entry_leaf_hash(e), |l, i, h| {
                    nodes.push((
                        audit_tree_nodes::level.eq(l as i32),
                        audit_tree_nodes::idx.eq(i as i64),
                        audit_tree_nodes::hash.eq(h.to_vec()),
                    ));
                });
            }
            Ok(())
        })?;
        write_tx(conn, |c| {
            timings.time("audit_log", entries.len(), || {
                Ok(write_rows!(&mut *c, audit_log::table, &entries)?)
            })?;
            timings.time("audit_tree_nodes", nodes.len(), || {
                Ok(write_rows!(&mut *c, audit_tree_nodes::table, &nodes)?)
            })?;
            timings.time("audit_leaves", leaves.len(), || {
                Ok(write_rows!(&mut *c, audit_leaves::table, &leaves)?)
            })?;
            timings.time("audit_checkpoints", 1, || {
                let (size, root) = (range.size(), range.root());
                audit_tree::set_tree_size(c, size)?;
                let note = signer.checkpoint(size, &root);
                audit_tree::insert_checkpoint(c, size, &root, &note, to_db(Utc::now()))?;
                Ok(())
            })
        })?;
        start = end;
    }
    follow_sequence(conn, first_seq + plan.audit_entries as i64)
}

/// The next appended entry is numbered after the generated ones (PostgreSQL numbers
/// appends from a sequence; SQLite takes the largest seq plus one).
fn follow_sequence(conn: &mut DbConn, next: i64) -> CoreResult<()> {
    if let DbConn::Postgres(_) = conn {
        diesel::sql_query(format!("SELECT setval('audit_log_seq', {next}, false)"))
            .execute(conn)?;
    }
    Ok(())
}

struct EntryWriter<'a> {
    people: &'a Population,
    plan: &'a Plan,
    now: DateTime<Utc>,
}

impl EntryWriter<'_> {
    /// Entry `k` of the log: the first `patients` are the registrations, the rest a mix
    /// of record views (two thirds, half of them of the frequent patients), consents,
    /// sign-ins and access keys.
    fn entry(&self, rng: &mut StdRng, seq: i64, k: u64) -> AuditEntry {
        let n = self.plan.patients;
        let at = self.now
            - Duration::seconds(
                SPAN_SECONDS * (self.plan.audit_entries - k) as i64
                    / self.plan.audit_entries.max(1) as i64,
            );
        let mut e = AuditEntry {
            seq,
            occurred_at: to_db(at),
            event: AuditAction::SignIn,
            actor_kind: ActorKind::Patient,
            actor_id: None,
            provider_id: None,
            profession: None,
            patient_id: None,
            data_types: String::new(),
            purpose: None,
            outcome: AuditOutcome::Succeeded,
            reason: None,
            details: "{}".to_owned(),
            prev_hash: String::new(),
            hash: String::new(),
        };
        if k < n {
            let provider = self.people.providers_of(k)[0];
            e.event = AuditAction::RegistrationCompleted;
            e.actor_kind = ActorKind::Hcprof;
            e.actor_id = Some(format!("synthetic-staff-{provider}"));
            e.provider_id = Some(provider.to_owned());
            e.patient_id = Some(patient_id(k));
            e.details = json!({ "verified_at_provider": provider }).to_string();
            return e;
        }
        let roll = rng.gen_range(0..100);
        let i = if roll < 33 {
            rng.gen_range(0..frequent_patients(n))
        } else {
            rng.gen_range(0..n)
        };
        let provider = self.people.providers_of(i)[rng.gen_range(0..CONSENTS)].to_owned();
        e.patient_id = Some(patient_id(i));
        e.actor_id = Some(patient_id(i).into());
        match roll {
            0..=65 => self.record_view(rng, &mut e, provider, roll < 62),
            66..=83 => {
                e.event = AuditAction::ConsentGiven;
                e.provider_id = Some(provider);
                e.details = json!({ "type": "one_year", "channel": "app" }).to_string();
            }
            84..=88 => {
                e.event = AuditAction::ConsentRevoked;
                e.provider_id = Some(provider);
            }
            89..=95 => e.event = AuditAction::SignIn,
            _ => e.event = AuditAction::AccessKeyIssued,
        }
        e
    }

    fn record_view(&self, rng: &mut StdRng, e: &mut AuditEntry, provider: String, granted: bool) {
        let types = [
            DataType::ALL[rng.gen_range(0..DataType::ALL.len())],
            DataType::ALL[rng.gen_range(0..DataType::ALL.len())],
        ];
        e.event = AuditAction::RecordView;
        e.actor_kind = ActorKind::Hcprof;
        e.actor_id = Some(format!(
            "synthetic-staff-{provider}-{}",
            rng.gen_range(0..5)
        ));
        e.profession = Some(Profession::ALL[rng.gen_range(0..3)]);
        e.data_types = DataType::join(&types[..1 + rng.gen_range(0..2)]);
        e.purpose = Some("reason:follow-up consultation".to_owned());
        let (outcome, reason) = if granted {
            (AuditOutcome::Granted, "granted")
        } else {
            (AuditOutcome::Refused, "no_consent")
        };
        e.outcome = outcome;
        e.reason = Some(reason.to_owned());
        e.provider_id = Some(provider);
        e.details = json!({ "looked_up_by": "ehr_number", "withheld": [] }).to_string();
    }
}
