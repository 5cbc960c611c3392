//! pgbench's TPC-B (the box's yardstick, run beside each load) and the watcher that
//! samples the integrated tree size, for commit-to-integrated latency.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::{Connection, PgConnection};
use ehealth_core::db::{audit_tree, DbConn};

use crate::support::figures::percentile_ms;

fn pgbench(url: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new("pgbench")
        .args(args)
        .arg(url)
        .output()
        .map_err(|e| format!("pgbench (postgresql-client) not runnable: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `pgbench -i -s 1` in the benchmark's own database (its tables go with it).
pub fn init_tpcb(url: &str) {
    if let Err(e) = pgbench(url, &["-i", "-q", "-s", "1"]) {
        panic!("pgbench -i: {e}");
    }
}

/// pgbench's built-in TPC-B at 8 clients for `seconds`: transactions per second.
pub fn tpcb(url: &str, seconds: u64) -> f64 {
    let text = pgbench(url, &["-c", "8", "-j", "2", "-T", &seconds.to_string()])
        .unwrap_or_else(|e| panic!("pgbench TPC-B: {e}"));
    tps_of(&text)
}

/// pgbench's built-in select-only script (`-S`), prepared, at 8 clients for `seconds`:
/// the floor of a read (issue 15).
pub fn select_only(url: &str, seconds: u64) -> f64 {
    let text = pgbench(
        url,
        &[
            "-S",
            "-M",
            "prepared",
            "-c",
            "8",
            "-j",
            "2",
            "-T",
            &seconds.to_string(),
        ],
    )
    .unwrap_or_else(|e| panic!("pgbench -S: {e}"));
    tps_of(&text)
}

fn tps_of(text: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with("tps"))
        .and_then(|l| l.split('=').nth(1))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no tps in pgbench's output: {text}"))
}

/// Samples `audit_tree_head.tree_size` every `EVERY` on its own connection, with the
/// wall-clock time of each sample.
pub struct TreeWatch {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Vec<(DateTime<Utc>, u64)>>,
}

const EVERY: Duration = Duration::from_millis(5);

impl TreeWatch {
    pub fn start(url: &str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let mut conn = DbConn::Postgres(PgConnection::establish(url).expect("watch connection"));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut samples = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                let size = audit_tree::tree_size(&mut conn).expect("tree size");
                samples.push((Utc::now(), size));
                std::thread::sleep(EVERY);
            }
            samples
        });
        Self { stop, thread }
    }

    pub fn finish(self) -> Vec<(DateTime<Utc>, u64)> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("watch thread")
    }
}

/// How long each entry written at or after `since` waited to be integrated: from its
/// `occurred_at` (taken in its transaction, before the commit, so this errs long) to the
/// first sample whose tree size covers its leaf. `None` for an entry never seen integrated.
pub fn integration_lags(
    conn: &mut DbConn,
    samples: &[(DateTime<Utc>, u64)],
    since: DateTime<Utc>,
) -> (Vec<Duration>, usize) {
    let leaves = audit_tree::leaves_from(conn, 0, i64::MAX).expect("leaves");
    let seqs: Vec<i64> = leaves.iter().map(|(_, s)| *s).collect();
    let written: std::collections::HashMap<i64, NaiveDateTime> =
        audit_tree::entries_by_seq(conn, &seqs)
            .expect("entries")
            .into_iter()
            .map(|e| (e.seq, e.occurred_at))
            .collect();
    let pending = usize::try_from(audit_tree::pending_count(conn).expect("pending"))
        .expect("a row count fits usize");
    let mut lags = Vec::new();
    let mut unseen = pending;
    for (leaf, seq) in leaves {
        let at = written[&seq].and_utc();
        if at < since {
            continue;
        }
        // Samples are in time order and sizes never shrink.
        let i = samples.partition_point(|(_, size)| *size <= leaf as u64);
        match samples.get(i) {
            Some((seen, _)) => lags.push((*seen - at).to_std().unwrap_or_default()),
            None => unseen += 1,
        }
    }
    lags.sort();
    (lags, unseen)
}

pub fn lag_line(what: &str, lags: &[Duration], unseen: usize) -> String {
    format!(
        "{what:<30} n={:>6} p50={:>7.1} ms  p99={:>7.1} ms  max={:>7.1} ms  (not yet integrated: {unseen})",
        lags.len(),
        percentile_ms(lags, 0.50),
        percentile_ms(lags, 0.99),
        percentile_ms(lags, 1.0),
    )
}

/// The largest number of leaves integrated in any one second of the samples.
pub fn peak_rate(samples: &[(DateTime<Utc>, u64)]) -> u64 {
    let mut best = 0;
    let mut j = 0;
    for (i, (t, size)) in samples.iter().enumerate() {
        while j < i && (*t - samples[j].0).num_milliseconds() > 1000 {
            j += 1;
        }
        best = best.max(size - samples[j].1);
    }
    best
}
