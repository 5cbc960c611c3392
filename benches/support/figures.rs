//! What a load measured: latencies, percentiles, medians.

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
