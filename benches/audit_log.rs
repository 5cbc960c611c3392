//! The verifiable access log (issue 12), a benchmark, not a test:
//! `cargo bench --bench audit_log` (release; PostgreSQL on 127.0.0.1:5432 as the tests).
//!
//! 1. `CLIENTS` threads, each its own connection, append audit entries (each in its own
//!    write transaction, as a request does) for `SECONDS` while a sequencer loop runs as
//!    in production: appends/s, p50/p99 per append, and commit-to-integrated latency
//!    p50/p99 (an entry's commit to the commit of the batch that integrated it).
//! 2. `pgbench` TPC-B at 8 clients on the same box, for the ratio.
//! 3. `BIG` entries inserted in bulk, then integrated: the sequencer's entries/s.
//! 4. `ehealth audit verify` of the `BIG`-entry log: `--full`, then incremental after
//!    another 10,000 entries.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::process::Command;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::connection::SimpleConnection;
use ehealth_core::actions::{audit_verify, sequencer};
use ehealth_core::db::audit::{self, NewAuditEntry};
use ehealth_core::db::{audit_tree, write_tx, Backend};
use ehealth_core::domain::{Actor, ActorKind, AuditAction, AuditOutcome};
use ehealth_core::testing::{self, Start, TestDb};
use ehealth_core::tlog::config::AuditConfig;

const CLIENTS: usize = 50;
const SECONDS: u64 = 10;
const BIG: u64 = 1_000_000;
const BATCH: i64 = 5_000;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    ms(sorted[((sorted.len() as f64 - 1.0) * p).round() as usize])
}

/// Part 1: returns appends/s.
fn appends_under_load(db: &TestDb) -> f64 {
    let signer = AuditConfig::default().signer().unwrap();
    let until = Instant::now() + Duration::from_secs(SECONDS);
    let commits: Arc<Mutex<Vec<(i64, Instant, Duration)>>> = Arc::default();
    let batches: Arc<Mutex<Vec<(u64, Instant)>>> = Arc::default();
    let start = Barrier::new(CLIENTS + 1);
    std::thread::scope(|s| {
        for t in 0..CLIENTS {
            let (start, commits) = (&start, commits.clone());
            s.spawn(move || {
                let mut conn = db.conn();
                let e = NewAuditEntry::new(
                    AuditAction::RecordView,
                    Actor::new(ActorKind::Hcprof, format!("dr-{t}")),
                    AuditOutcome::Granted,
                )
                .patient(format!("patient-{t}"))
                .provider("000010017");
                start.wait();
                let mut mine = Vec::new();
                while Instant::now() < until {
                    let began = Instant::now();
                    let seq =
                        write_tx(&mut conn, |c| Ok(audit::append(c, &e, Utc::now())?.seq)).unwrap();
                    mine.push((seq, Instant::now(), began.elapsed()));
                }
                commits.lock().unwrap().extend(mine);
            });
        }
        let (start, batches, signer) = (&start, batches.clone(), &signer);
        s.spawn(move || {
            let mut conn = db.conn();
            start.wait();
            // Until the writers stop and everything they wrote is in.
            loop {
                let b = sequencer::integrate_batch(&mut conn, signer, BATCH, Utc::now(), &|| {})
                    .unwrap();
                let now = Instant::now();
                if let Some(b) = b.filter(|b| b.integrated > 0) {
                    batches.lock().unwrap().push((b.tree_size, now));
                    if b.integrated as i64 == BATCH {
                        continue;
                    }
                } else if now > until {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
    });
    let commits = commits.lock().unwrap();
    let batches = batches.lock().unwrap();
    let mut conn = db.conn();
    let leaves: std::collections::HashMap<i64, i64> =
        audit_tree::leaves_from(&mut conn, 0, i64::MAX)
            .unwrap()
            .into_iter()
            .map(|(l, s)| (s, l))
            .collect();
    let mut per_append: Vec<Duration> = commits.iter().map(|c| c.2).collect();
    let mut lag: Vec<Duration> = commits
        .iter()
        .map(|(seq, at, _)| {
            let leaf = leaves[seq] as u64;
            let batch = batches.iter().find(|(size, _)| *size > leaf).unwrap();
            batch.1.saturating_duration_since(*at)
        })
        .collect();
    per_append.sort();
    lag.sort();
    let rate = commits.len() as f64 / SECONDS as f64;
    println!(
        "appends      {CLIENTS} clients {SECONDS} s: n={} {rate:.0}/s  p50={:.2} ms p99={:.2} ms",
        commits.len(),
        pct(&per_append, 0.5),
        pct(&per_append, 0.99)
    );
    println!(
        "commit->integrated: p50={:.1} ms p99={:.1} ms ({} batches)",
        pct(&lag, 0.5),
        pct(&lag, 0.99),
        batches.len()
    );
    rate
}

fn tpcb(db: &TestDb) -> Option<f64> {
    let name = db.url.rsplit('/').next()?.split('?').next()?.to_owned();
    let pg = |args: &[&str]| {
        Command::new("pgbench")
            .args(["-h", "127.0.0.1", "-U", "postgres"])
            .args(args)
            .arg(&name)
            .output()
            .ok()
    };
    pg(&["-i", "-q", "-s", "1"])?;
    let out = pg(&["-c", "8", "-j", "2", "-T", &SECONDS.to_string()])?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let tps = text.lines().find(|l| l.starts_with("tps"))?;
    tps.split('=')
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Parts 3 and 4.
fn big_log(db: &TestDb) {
    let signer = AuditConfig::default().signer().unwrap();
    let mut conn = db.conn();
    conn.batch_execute(&format!(
        "INSERT INTO audit_log (seq, occurred_at, event, actor_kind, actor_id, provider_id, profession, \
         patient_id, data_types, purpose, outcome, reason, details, prev_hash, hash) \
         SELECT nextval('audit_log_seq'), now(), 'record_view', 'hcprof', 'dr-' || g, '000010017', \
         'medical_practitioner', 'patient-' || (g % 1000), 'allergies_adrs', 'reason:bench', 'granted', \
         NULL, '{{}}', '', '' FROM generate_series(1, {BIG}) g; \
         INSERT INTO audit_pending (seq) SELECT seq FROM audit_log WHERE seq NOT IN (SELECT seq FROM audit_leaves);"
    ))
    .unwrap();
    let pending = audit_tree::pending_count(&mut conn).unwrap();
    let started = Instant::now();
    let n = sequencer::drain(&mut conn, &signer, BATCH).unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!("sequencer: {n} of {pending} pending integrated in {secs:.1} s: {:.0} entries/s (batches of {BATCH})", n as f64 / secs);
    let started = Instant::now();
    let full = audit_verify::verify(&mut conn, &signer.public(), true, Utc::now()).unwrap();
    println!(
        "verify --full: {} leaves in {:.1} s (intact: {})",
        full.leaves_checked,
        started.elapsed().as_secs_f64(),
        full.is_intact()
    );
    conn.batch_execute(
        "INSERT INTO audit_log (seq, occurred_at, event, actor_kind, data_types, outcome, details, prev_hash, hash) \
         SELECT nextval('audit_log_seq'), now(), 'sign_in', 'patient', '', 'succeeded', '{}', '', '' FROM generate_series(1, 10000); \
         INSERT INTO audit_pending (seq) SELECT seq FROM audit_log WHERE seq > (SELECT MAX(seq) FROM audit_leaves);",
    )
    .unwrap();
    sequencer::drain(&mut conn, &signer, BATCH).unwrap();
    let started = Instant::now();
    let inc = audit_verify::verify(&mut conn, &signer.public(), false, Utc::now()).unwrap();
    println!(
        "verify (incremental): {} -> {} leaves, {} recomputed in {:.2} s (intact: {})",
        inc.from_size,
        inc.tree_size,
        inc.leaves_checked,
        started.elapsed().as_secs_f64(),
        inc.is_intact()
    );
}

fn main() {
    let db =
        testing::open(Backend::Postgres, Start::Migrated).expect("PostgreSQL on 127.0.0.1:5432");
    let rate = appends_under_load(&db);
    if let Some(tps) = tpcb(&db) {
        println!(
            "pgbench TPC-B 8 clients: {tps:.0} tps; appends/TPC-B ratio {:.2}",
            rate / tps
        );
    }
    big_log(&db);
}
