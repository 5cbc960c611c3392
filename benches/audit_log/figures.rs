//! The settings read from the environment.

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
