//! Figures of the voice-line loads: latency by kind of step (medians over runs), the
//! answers that were not prompts, and the goals table printed at the end.

use std::time::{Duration, Instant};

use super::callers::KEY_STEP;
use super::line::{Outcome, Sample};
use super::support::figures::{median, percentile_ms};

/// p50 / p99 / max in ms of one run's samples.
#[derive(Debug, Clone, Copy)]
pub struct Tail {
    pub n: usize,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

pub fn tail(samples: &[&Sample]) -> Tail {
    let mut t: Vec<Duration> = samples.iter().map(|s| s.took).collect();
    t.sort();
    Tail {
        n: t.len(),
        p50: percentile_ms(&t, 0.50),
        p99: percentile_ms(&t, 0.99),
        max: percentile_ms(&t, 1.0),
    }
}

/// The samples sent within `[from, to)`.
pub fn window(samples: &[Sample], from: Instant, to: Instant) -> Vec<Sample> {
    samples
        .iter()
        .filter(|s| s.sent >= from && s.sent < to)
        .copied()
        .collect()
}

/// Each run's tail of the samples `pick` keeps, and their medians.
pub fn medians(runs: &[Vec<Sample>], pick: impl Fn(&Sample) -> bool) -> (Tail, Vec<Tail>) {
    let tails: Vec<Tail> = runs
        .iter()
        .map(|r| tail(&r.iter().filter(|s| pick(s)).collect::<Vec<_>>()))
        .collect();
    let m = |f: fn(&Tail) -> f64| median(&tails.iter().map(f).collect::<Vec<_>>());
    let mid = Tail {
        n: tails.iter().map(|t| t.n).sum(),
        p50: m(|t| t.p50),
        p99: m(|t| t.p99),
        max: m(|t| t.max),
    };
    (mid, tails)
}

/// One line per kind of step (in the order first seen), then the two groups.
pub fn print_steps(runs: &[Vec<Sample>]) {
    let mut kinds: Vec<&'static str> = Vec::new();
    for s in runs.iter().flatten() {
        if !kinds.contains(&s.kind) {
            kinds.push(s.kind);
        }
    }
    println!(
        "  {:<26} {:>6} {:>9} {:>9} {:>9}   p99 of each run",
        "step", "n", "p50 ms", "p99 ms", "max ms"
    );
    for kind in kinds {
        line(kind, &medians(runs, |s| s.kind == kind));
    }
    line("without a secret check", &medians(runs, no_secret));
    line(
        "with one (the access key)",
        &medians(runs, |s| !no_secret(s)),
    );
}

fn line(label: &str, (mid, tails): &(Tail, Vec<Tail>)) {
    let each: Vec<String> = tails.iter().map(|t| format!("{:.1}", t.p99)).collect();
    println!(
        "  {label:<26} {:>6} {:>9.2} {:>9.2} {:>9.2}   {}",
        mid.n,
        mid.p50,
        mid.p99,
        mid.max,
        each.join(" / ")
    );
}

pub fn no_secret(s: &Sample) -> bool {
    s.kind != KEY_STEP
}

/// How many answers were of each outcome other than a prompt.
pub fn outcomes(samples: &[Sample]) -> String {
    let count = |o: Outcome| samples.iter().filter(|s| s.outcome == o).count();
    format!(
        "{} webhooks: {} wrong-key answers, {} busy, {} apologies, {} failed",
        samples.len(),
        count(Outcome::WrongKey),
        count(Outcome::Busy),
        count(Outcome::Apology),
        count(Outcome::Failed)
    )
}

/// One row of the goals table.
pub struct Goal {
    pub what: String,
    pub figure: String,
    pub goal: String,
    pub met: bool,
}

#[derive(Default)]
pub struct Goals(Vec<Goal>);

impl Goals {
    pub fn add(&mut self, what: String, figure: String, goal: &str, met: bool) {
        self.0.push(Goal {
            what,
            figure,
            goal: goal.to_owned(),
            met,
        });
    }

    pub fn print(&self) {
        println!("\n| figure | measured | goal | |\n| --- | --- | --- | --- |");
        for g in &self.0 {
            let met = if g.met { "met" } else { "**NOT met**" };
            println!("| {} | {} | {} | {met} |", g.what, g.figure, g.goal);
        }
    }
}
