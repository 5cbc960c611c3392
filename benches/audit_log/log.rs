//! The log alone: appends from `CLIENTS` connections of their own (no HTTP, no other
//! SQL) while the sequencer process integrates them; then a big log, integrated by the
//! sequencer code in this process and verified by `ehealth audit verify`.

use std::process::Command;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use ehealth_core::actions::sequencer;
use ehealth_core::db::audit::{self, NewAuditEntry};
use ehealth_core::db::{audit_tree, write_tx, DbConn};
use ehealth_core::domain::{Actor, ActorKind, AuditAction, AuditOutcome};
use ehealth_core::ids::PatientId;
use ehealth_core::testing::TestDb;
use ehealth_core::tlog::config::AuditConfig;

use crate::support::figures::Load;

/// Appends from `clients` threads, each on a connection of its own, for `seconds`.
pub fn appends(url: &str, clients: usize, seconds: u64) -> Load {
    let times: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let start = Barrier::new(clients + 1);
    let mut began = Instant::now();
    std::thread::scope(|s| {
        for t in 0..clients {
            let (start, times) = (&start, times.clone());
            s.spawn(move || {
                let mut conn =
                    DbConn::Postgres(PgConnection::establish(url).expect("a connection"));
                let e = NewAuditEntry::new(
                    AuditAction::RecordView,
                    Actor::new(ActorKind::Hcprof, format!("dr-{t}")),
                    AuditOutcome::Granted,
                )
                .patient(&PatientId::new(format!("patient-{t}")))
                .provider("000010017");
                start.wait();
                let until = Instant::now() + Duration::from_secs(seconds);
                let mut mine = Vec::new();
                while Instant::now() < until {
                    let began = Instant::now();
                    write_tx(&mut conn, |c| Ok(audit::append(c, &e, Utc::now())?.seq))
                        .expect("append");
                    mine.push(began.elapsed());
                }
                times.lock().expect("times").extend(mine);
            });
        }
        start.wait();
        began = Instant::now();
    });
    // The scope has joined every writer.
    let wall = began.elapsed();
    let times = std::mem::take(&mut *times.lock().expect("times"));
    Load::new(times, 0, wall)
}

fn ehealth_verify(url: &str, full: bool) -> (Duration, String) {
    let mut c = Command::new(crate::support::api::ehealth_bin());
    c.args(["audit", "verify"])
        .current_dir(std::env::temp_dir())
        .env("DATABASE_URL", url)
        .env("EHEALTH_DEMO", "0")
        .env("RUST_LOG", "warn");
    if full {
        c.arg("--full");
    }
    let started = Instant::now();
    let out = c.output().expect("run ehealth audit verify");
    let took = started.elapsed();
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(out.status.success(), "verify failed: {text}");
    (took, text)
}

/// `n` record-view entries inserted in bulk and queued, as `n` appends would leave them.
fn bulk_entries(conn: &mut DbConn, n: u64) {
    conn.batch_execute(&format!(
        "INSERT INTO audit_log (seq, occurred_at, event, actor_kind, actor_id, provider_id, \
         profession, patient_id, data_types, purpose, outcome, reason, details, prev_hash, hash) \
         SELECT nextval('audit_log_seq'), now(), 'record_view', 'hcprof', 'dr-' || (g % 5000), \
         '000010017', 'medical_practitioner', 'patient-' || (g % 100000), \
         'allergies_adrs,lab_radiology_reports', 'reason:bench', 'granted', 'granted', '{{}}', '', '' \
         FROM generate_series(1, {n}) g; \
         INSERT INTO audit_pending (seq) SELECT l.seq FROM audit_log l \
         WHERE NOT EXISTS (SELECT 1 FROM audit_leaves f WHERE f.seq = l.seq) \
         AND NOT EXISTS (SELECT 1 FROM audit_pending p WHERE p.seq = l.seq); \
         ANALYZE audit_log; ANALYZE audit_pending;"
    ))
    .expect("bulk entries");
}

/// The sequencer's rate on a backlog of `n` entries (no other load), then
/// `ehealth audit verify --full` of the whole log, then incremental after `n / 100` more.
pub fn big_log(db: &TestDb, n: u64) {
    let signer = AuditConfig::default().signer().expect("signer");
    let batch = AuditConfig::default().batch_size;
    let mut conn = db.conn();
    let started = Instant::now();
    bulk_entries(&mut conn, n);
    println!(
        "bulk insert of {n} entries: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let pending = audit_tree::pending_count(&mut conn).expect("pending");
    let started = Instant::now();
    let integrated = sequencer::drain(&mut conn, &signer, batch).expect("drain");
    let secs = started.elapsed().as_secs_f64();
    println!(
        "sequencer: {integrated} of {pending} pending integrated in {secs:.1} s: {:.0} entries/s \
         (batches of {batch}, one signed checkpoint each)",
        integrated as f64 / secs
    );
    let size = audit_tree::tree_size(&mut conn).expect("size");
    let (took, said) = ehealth_verify(&db.url, true);
    println!(
        "ehealth audit verify --full: {size} leaves in {:.1} s ({:.0} leaves/s)\n  {said}",
        took.as_secs_f64(),
        size as f64 / took.as_secs_f64()
    );
    let more = (n / 100).max(1);
    bulk_entries(&mut conn, more);
    sequencer::drain(&mut conn, &signer, batch).expect("drain");
    let (took, said) = ehealth_verify(&db.url, false);
    println!(
        "ehealth audit verify (incremental, {more} new leaves): {:.2} s\n  {said}",
        took.as_secs_f64()
    );
    let (took, said) = ehealth_verify(&db.url, false);
    println!(
        "ehealth audit verify (incremental, nothing new): {:.2} s\n  {said}",
        took.as_secs_f64()
    );
}
