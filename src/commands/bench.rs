//! `ehealth bench argon2`: what one Argon2id verification costs on this machine with the
//! configured parameters, and how many the pool answers a second, so that a deployment
//! can tune `security.argon2` and `security.argon2_threads` (docs/operations.md).
//! `ehealth bench seed`: a synthetic population to measure at scale (docs/performance.md).

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use ehealth_core::config::Config;
use ehealth_core::context::Services;
use ehealth_core::hash_pool::PoolSize;
use ehealth_core::ids::ProviderId;
use ehealth_core::secret::SecretHasher;
use ehealth_core::synthetic::{self, Plan};

/// Verifications timed one after another for the median.
const SAMPLES: usize = 9;

pub fn argon2(config: &Config, burst: usize) -> anyhow::Result<ExitCode> {
    let security = &config.security;
    let size = PoolSize::from_config(security.argon2_threads, security.argon2_queue);
    let hasher = SecretHasher::with_pool(security.argon2, security.code_key.clone(), size)
        .context("argon2 parameters")?;
    let cost = security.argon2;
    println!(
        "argon2id m={} KiB t={} p={}; pool {} threads, queue {}",
        cost.memory_kib, cost.iterations, cost.parallelism, size.threads, size.queue
    );
    let stored = hasher.hash("12345678")?;
    let median = median_verification(&hasher, &stored)?;
    println!(
        "one verification: {:.1} ms (median of {SAMPLES})",
        ms(median)
    );
    let rss_before = rss_kib();
    let (took, admitted, busy) = burst_through_pool(&hasher, &stored, burst);
    println!(
        "{burst} at once: {admitted} verified, {busy} refused busy, in {:.0} ms: {:.1} verifications/s",
        ms(took),
        admitted as f64 / took.as_secs_f64()
    );
    if let (Some(before), Some(after)) = (rss_before, rss_kib()) {
        println!(
            "RSS before the burst {} MiB, after {} MiB",
            before / 1024,
            after / 1024
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The demo data (for the clinic, its doctor and HA/DH), then the synthetic population.
pub fn seed(
    mut config: Config,
    patients: u64,
    audit_entries: Option<u64>,
    database_url: Option<String>,
) -> anyhow::Result<ExitCode> {
    if config.is_production() {
        anyhow::bail!("a synthetic population must not be loaded in production");
    }
    if let Some(url) = database_url {
        config.database.url = url;
    }
    let plan = Plan::new(patients, audit_entries)?;
    let signer = config.audit.signer()?;
    let started = Instant::now();
    let services = Services::start(config).context("cannot open the database")?;
    services.seed_demo()?;
    let clinic = ProviderId::from_serial(1001)?;
    let mut conn = services.db.get()?;
    println!(
        "seeding {} patients and {} access-log entries ({})",
        plan.patients,
        plan.audit_entries,
        services.db.backend().name()
    );
    let timings = synthetic::seed(
        &mut conn,
        &services.hasher,
        &signer,
        clinic.as_str(),
        &plan,
        chrono::Utc::now(),
    )?;
    for t in timings.tables() {
        let secs = t.took.as_secs_f64();
        println!(
            "{:<34} {:>10} rows {:>8.1} s {:>10.0} rows/s",
            t.table,
            t.rows,
            secs,
            t.rows as f64 / secs.max(1e-9)
        );
    }
    println!("total {:.1} s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

fn median_verification(hasher: &SecretHasher, stored: &str) -> anyhow::Result<Duration> {
    let mut times = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let start = Instant::now();
        hasher.verify("87654321", stored)?;
        times.push(start.elapsed());
    }
    times.sort();
    Ok(times[SAMPLES / 2])
}

/// `burst` callers at once, each on its own thread as blocking request threads would be.
fn burst_through_pool(
    hasher: &SecretHasher,
    stored: &str,
    burst: usize,
) -> (Duration, usize, usize) {
    let start = Instant::now();
    let answers: Vec<bool> = thread::scope(|s| {
        let callers: Vec<_> = (0..burst)
            .map(|_| s.spawn(|| hasher.verify("87654321", stored).is_ok()))
            .collect();
        callers
            .into_iter()
            .map(|c| c.join().unwrap_or(false))
            .collect()
    });
    let admitted = answers.iter().filter(|ok| **ok).count();
    (start.elapsed(), admitted, burst - admitted)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The process's resident memory (Linux), in KiB.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
