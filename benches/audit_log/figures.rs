//! Percentiles, medians and the settings read from the environment.

use std::time::Duration;

/// What one load measured: each success's latency, failures and the wall time.
pub struct Load {
    pub latencies: Vec<Duration>,
    pub failures: usize,
    pub wall: Duration,
}

impl Load {
    pub fn new(mut latencies: Vec<Duration>, failures: usize, wall: Duration) -> Self {
        latencies.sort();
        Self {
            latencies,
            failures,
            wall,
        }
    }

    pub fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }

    pub fn p(&self, q: f64) -> f64 {
        percentile_ms(&self.latencies, q)
    }

    pub fn line(&self, what: &str, clients: usize) -> String {
        format!(
            "{what:<30} {clients} clients: n={:>6} failures={:<3} {:>8.1}/s  p50={:>7.2} ms  p99={:>7.2} ms",
            self.latencies.len(),
            self.failures,
            self.rate(),
            self.p(0.50),
            self.p(0.99)
        )
    }
}

/// The nearest-rank percentile in milliseconds; 0 for no samples.
// A rank between 0 and the sample count (q is a fraction); float-to-int `as` saturates.
#[allow(clippy::cast_possible_truncation)]
pub fn percentile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// `EHEALTH_BENCH_*`: how long and how much, and which parts to run.
pub struct Settings {
    /// Rounds of (TPC-B, record views, consent changes); medians are over them.
    pub rounds: usize,
    /// Seconds of each load.
    pub seconds: u64,
    /// Entries in the big log (the sequencer's rate, `verify` times).
    pub big: u64,
    /// `http`, `appends`, `big`, comma-separated.
    pub parts: String,
}

impl Settings {
    pub fn from_env() -> Self {
        let num = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Self {
            rounds: usize::try_from(num("EHEALTH_BENCH_ROUNDS", 3).max(1)).unwrap_or(usize::MAX),
            seconds: num("EHEALTH_BENCH_SECONDS", 10).max(1),
            big: num("EHEALTH_BENCH_LOG_ENTRIES", 1_000_000),
            parts: std::env::var("EHEALTH_BENCH_PARTS")
                .unwrap_or_else(|_| "http,reads,appends,big".to_owned()),
        }
    }

    pub fn runs(&self, part: &str) -> bool {
        self.parts.split(',').any(|p| p.trim() == part)
    }
}
