//! The voice-line loads against `ehealth ivr`: realistic calls (latency by step, RSS) and
//! the unpaced saturation load (webhooks/s).

use std::time::{Duration, Instant};

use ehealth_core::db::Backend;

use super::callers::{self, KEY_STEP};
use super::line::{self, Line, Sample};
use super::report::{self, Goals};
use super::rss::{self, Sampler};
use super::setup;
use super::support::figures::median;
use super::{Seeded, Server, Settings, CALLS};

/// One key press every this long per caller.
pub const PRESS_EVERY: Duration = Duration::from_secs(2);
/// Steps without a secret check: p99 at most this (ms).
const PLAIN_GOAL_MS: f64 = 20.0;
/// RSS of a process under load: under this (MiB).
pub const LOADED_RSS_GOAL_MIB: f64 = 200.0;

/// One call's length at the realistic pace: the callers' start is spread over it.
pub fn call_length() -> Duration {
    PRESS_EVERY * u32::try_from(callers::webhooks_per_call()).unwrap_or(12)
}

/// `CALLS` realistic callers from now for `ramp + length`; all samples.
pub async fn realistic_load(line: &Line, seeded: &Seeded, length: Duration) -> Vec<Sample> {
    let start = Instant::now();
    let ramp = call_length();
    let until = start + ramp + length;
    setup::clients(CALLS, |n| {
        let first = start + ramp.mul_f64(n as f64 / CALLS as f64);
        let patient = seeded.patients[n % seeded.patients.len()].clone();
        let (line, provider) = (line.clone(), seeded.provider.clone());
        callers::realistic(line, n, patient, provider, PRESS_EVERY, first, until)
    })
    .await
}

/// Part 1: realistic calls against `ehealth ivr`; latency by step in each window after
/// the ramp, RSS before / peak / after.
pub async fn realistic(
    settings: &Settings,
    server: &Server,
    seeded: &Seeded,
    argon2_ms: f64,
    backend: &str,
    goals: &mut Goals,
) {
    let pid = server.pid();
    let line = Line::new(server.ivr.clone(), CALLS);
    let before = rss::read(pid);
    let sampler = Sampler::start(pid, Duration::from_millis(250));
    let window = Duration::from_secs(settings.seconds);
    let started = Instant::now();
    let all = realistic_load(
        &line,
        seeded,
        window * u32::try_from(settings.runs).unwrap_or(3),
    )
    .await;
    let samples = sampler.stop();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rss::read(pid);
    let ramp_end = started + call_length();
    let runs: Vec<Vec<Sample>> = (0..settings.runs)
        .map(|i| {
            let from = ramp_end + window * u32::try_from(i).unwrap_or(0);
            report::window(&all, from, from + window)
        })
        .collect();
    let rates: Vec<f64> = runs
        .iter()
        .map(|r| r.len() as f64 / window.as_secs_f64())
        .collect();
    println!(
        "\nvoice line, {CALLS} realistic calls (a key press every {} s) against ehealth ivr on {backend}: \
         {:.1} webhooks/s (median of {} windows of {} s after a ramp of {} s)",
        PRESS_EVERY.as_secs(),
        median(&rates),
        settings.runs,
        settings.seconds,
        call_length().as_secs()
    );
    println!("  {}", report::outcomes(&all));
    report::print_steps(&runs);
    let peak = rss::peak(&samples).max(after.hwm);
    println!(
        "  RSS of ehealth ivr: before {:.1} MiB, peak {:.1} MiB (VmHWM {:.1}), after {:.1} MiB; threads {} -> {}",
        before.rss,
        rss::peak(&samples),
        after.hwm,
        after.rss,
        before.threads,
        after.threads
    );
    let (plain, _) = report::medians(&runs, report::no_secret);
    let (secret, _) = report::medians(&runs, |s| s.kind == KEY_STEP);
    let key_goal = argon2_ms + PLAIN_GOAL_MS;
    goals.add(
        format!("{backend}: realistic voice, steps without a secret check, p99"),
        format!(
            "{:.1} ms (p50 {:.1}, max {:.1})",
            plain.p99, plain.p50, plain.max
        ),
        "≤ 20 ms",
        plain.p99 <= PLAIN_GOAL_MS,
    );
    goals.add(
        format!("{backend}: realistic voice, the access-key step (Argon2id), p99"),
        format!(
            "{:.1} ms (p50 {:.1}, max {:.1})",
            secret.p99, secret.p50, secret.max
        ),
        &format!("≤ {argon2_ms:.1} + 20 = {key_goal:.1} ms"),
        secret.p99 <= key_goal,
    );
    goals.add(
        format!("{backend}: RSS of ehealth ivr under the realistic load"),
        format!(
            "before {:.0}, peak {peak:.0}, after {:.0} MiB",
            before.rss, after.rss
        ),
        "< 200 MiB",
        peak < LOADED_RSS_GOAL_MIB,
    );
}

/// `CALLS` unpaced callers for `seconds`; the samples.
pub async fn unpaced_load(line: &Line, seeded: &Seeded, seconds: u64) -> Vec<Sample> {
    let until = Instant::now() + Duration::from_secs(seconds);
    setup::clients(CALLS, |n| {
        let patient = seeded.patients[n % seeded.patients.len()].clone();
        callers::unpaced(line.clone(), n, patient, seeded.provider.clone(), until)
    })
    .await
}

/// Part 2: the saturation rate (runs of 10 s, back to back).
pub async fn saturation(
    settings: &Settings,
    server: &Server,
    seeded: &Seeded,
    url: &str,
    backend_kind: Backend,
    backend: &str,
    goals: &mut Goals,
) {
    const SECONDS: u64 = 10;
    let line = Line::new(server.ivr.clone(), CALLS);
    let first = line::calls_made();
    let mut runs = Vec::new();
    let mut rates = Vec::new();
    for _ in 0..settings.runs {
        let started = Instant::now();
        let samples = unpaced_load(&line, seeded, SECONDS).await;
        rates.push(samples.len() as f64 / started.elapsed().as_secs_f64());
        println!("  saturation run: {}", report::outcomes(&samples));
        runs.push(samples);
    }
    let each: Vec<String> = rates.iter().map(|r| format!("{r:.0}")).collect();
    println!(
        "\nsaturation, {CALLS} unpaced callers against ehealth ivr on {backend}: {:.0} webhooks/s (runs {})",
        median(&rates),
        each.join(" / ")
    );
    report::print_steps(&runs);
    let r = rss::read(server.pid());
    println!(
        "  RSS of ehealth ivr after: {:.1} MiB, VmHWM {:.1} MiB",
        r.rss, r.hwm
    );
    goals.add(
        format!("{backend}: saturation (unpaced, {CALLS} callers)"),
        format!(
            "{:.0} webhooks/s (runs {})",
            median(&rates),
            each.join(" / ")
        ),
        "report it (≥ 15/s: the capacity plan's high case)",
        median(&rates) >= 15.0,
    );
    if backend_kind == Backend::Postgres {
        pgbench(url, first);
    }
}

/// pgbench with the SQL a plain step costs (read the call row, write it back), on the
/// rows of the calls from `first` on.
fn pgbench(database_url: &str, first: usize) {
    let sid = format!(
        "'CAbench' || lpad(:n::text, 8, '0') || 'p{}'",
        std::process::id()
    );
    let sql = format!(
        "\\set n random({first}, {})\n\
         SELECT * FROM voice_calls WHERE call_sid = {sid};\n\
         UPDATE voice_calls SET updated_at = now(), retries = retries WHERE call_sid = {sid};\n",
        first + CALLS - 1
    );
    let text = match setup::pgbench_script(database_url, "ivr_step", &sql, 50, 10) {
        Ok(text) => text,
        Err(e) => {
            println!("  pgbench: {e}: no bare-SQL comparison");
            return;
        }
    };
    for l in text
        .lines()
        .filter(|l| l.starts_with("latency average") || l.starts_with("tps"))
    {
        println!("  pgbench (the SQL of a plain step, 50 clients, 10 s): {l}");
    }
}
