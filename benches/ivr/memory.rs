//! Part 3: the resident memory of `ehealth serve` (api + ivr + notifier) idle, through a
//! soak of realistic calls, under the saturation load, and under a burst of outsiders'
//! wrong access keys.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ehealth_core::ids::EhrNumber;
use tokio::sync::Barrier;

use super::callers::{self, Patient};
use super::line::{Line, Outcome, Sample};
use super::report::{self, Goals};
use super::rss::{self, Sampler};
use super::voice::{self, LOADED_RSS_GOAL_MIB};
use super::{Seeded, Server, Settings, CALLS};

/// Outsiders keying a wrong access key at once.
const OUTSIDERS: usize = 500;
/// Of them, these claim a bench patient's eHR number and date of birth (three each, under
/// the key's lock-out at five); the rest an eHR number nobody has.
const CLAIMING_PATIENTS: usize = 300;
const IDLE_RSS_GOAL_MIB: f64 = 50.0;
/// The soak is flat if it grows by no more than this from the end of the ramp (MiB).
const FLAT_MIB: f64 = 5.0;

pub async fn run(
    settings: &Settings,
    url: &str,
    seeded: &Seeded,
    backend: &str,
    goals: &mut Goals,
) {
    let server = Server::start("serve", url);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let pid = server.pid();
    let idle = rss::read(pid);
    println!(
        "\nehealth serve on {backend}: idle RSS {:.1} MiB (anonymous {:.1}, file {:.1}), {} threads",
        idle.rss, idle.anon, idle.file, idle.threads
    );
    goals.add(
        format!("{backend}: RSS of ehealth serve, idle"),
        format!("{:.1} MiB", idle.rss),
        "< 50 MiB",
        idle.rss < IDLE_RSS_GOAL_MIB,
    );
    soak(settings, &server, seeded, backend, goals).await;
    let line = Line::new(server.ivr.clone(), CALLS);
    let sampler = Sampler::start(pid, Duration::from_millis(250));
    let samples = voice::unpaced_load(&line, seeded, 10).await;
    let peak = rss::peak(&sampler.stop());
    println!(
        "  saturation (unpaced, 10 s): {:.0} webhooks/s, {}; RSS peak {peak:.1} MiB",
        samples.len() as f64 / 10.0,
        report::outcomes(&samples)
    );
    goals.add(
        format!("{backend}: RSS of ehealth serve under the saturation load"),
        format!("peak {peak:.0} MiB"),
        "< 200 MiB",
        peak < LOADED_RSS_GOAL_MIB,
    );
    wrong_keys(&server, seeded, backend, goals).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = rss::read(pid);
    println!(
        "  ehealth serve after all loads: RSS {:.1} MiB (anonymous {:.1}, file {:.1}), VmHWM {:.1} MiB, {} threads",
        after.rss, after.anon, after.file, after.hwm, after.threads
    );
    goals.add(
        format!("{backend}: RSS of ehealth serve, peak over every load (VmHWM)"),
        format!("{:.0} MiB (after: {:.0} MiB)", after.hwm, after.rss),
        "< 200 MiB",
        after.hwm < LOADED_RSS_GOAL_MIB,
    );
}

/// The realistic load for `settings.soak` seconds after its ramp, RSS every 10 s.
async fn soak(
    settings: &Settings,
    server: &Server,
    seeded: &Seeded,
    backend: &str,
    goals: &mut Goals,
) {
    let line = Line::new(server.ivr.clone(), CALLS);
    let sampler = Sampler::start(server.pid(), Duration::from_secs(10));
    let started = Instant::now();
    let all = voice::realistic_load(&line, seeded, Duration::from_secs(settings.soak)).await;
    let curve = sampler.stop();
    let ramp = voice::call_length().as_secs_f64();
    println!(
        "  soak: {CALLS} realistic calls for {} s after a ramp of {ramp:.0} s; {}",
        settings.soak,
        report::outcomes(&all)
    );
    let steady = report::window(&all, started + voice::call_length(), Instant::now());
    report::print_steps(&[steady]);
    println!("  | s | RSS MiB |\n  | --- | --- |");
    for (at, mib) in &curve {
        println!("  | {at:.0} | {mib:.1} |");
    }
    let at_ramp = curve
        .iter()
        .find(|(at, _)| *at >= ramp)
        .map_or(f64::NAN, |s| s.1);
    let last = curve.last().map_or(f64::NAN, |s| s.1);
    let peak = rss::peak(&curve);
    goals.add(
        format!(
            "{backend}: RSS of ehealth serve, soak of {} s (every 10 s)",
            settings.soak
        ),
        format!("{at_ramp:.0} MiB after the ramp → {last:.0} MiB at the end (peak {peak:.0})"),
        "flat (≤ +5 MiB), < 200 MiB",
        last - at_ramp <= FLAT_MIB && peak < LOADED_RSS_GOAL_MIB,
    );
}

/// `OUTSIDERS` callers reach the key step, then all key a wrong key at once.
async fn wrong_keys(server: &Server, seeded: &Seeded, backend: &str, goals: &mut Goals) {
    let line = Line::new(server.ivr.clone(), OUTSIDERS);
    let at_once = Arc::new(Barrier::new(OUTSIDERS + 1));
    let tasks: Vec<_> = (0..OUTSIDERS)
        .map(|n| {
            let claimed = if n < CLAIMING_PATIENTS {
                let p = &seeded.patients[n % seeded.patients.len()];
                Patient {
                    ehr: p.ehr.clone(),
                    key: wrong(&p.key),
                }
            } else {
                let ehr = EhrNumber::random(&mut rand::thread_rng());
                Patient {
                    ehr: ehr.as_str().to_owned(),
                    key: "12345678".to_owned(),
                }
            };
            tokio::spawn(callers::wrong_key(
                line.clone(),
                n,
                claimed,
                Arc::clone(&at_once),
            ))
        })
        .collect();
    at_once.wait().await;
    let sampler = Sampler::start(server.pid(), Duration::from_millis(100));
    let started = Instant::now();
    let mut answers: Vec<Sample> = Vec::new();
    let mut unready = 0;
    for t in tasks {
        let (sample, ready) = t.await.expect("outsider");
        unready += usize::from(!ready);
        answers.push(sample);
    }
    let took = started.elapsed().as_secs_f64();
    let peak = rss::peak(&sampler.stop());
    let count = |o: Outcome| answers.iter().filter(|s| s.outcome == o).count();
    let (wrong_key, busy) = (count(Outcome::WrongKey), count(Outcome::Busy));
    let tail = report::tail(&answers.iter().collect::<Vec<_>>());
    println!(
        "  {OUTSIDERS} wrong access keys at once (voice line): {} in {took:.1} s (p50 {:.0} ms, max {:.0} ms); \
         {unready} callers not at the key step; RSS peak {peak:.1} MiB",
        report::outcomes(&answers),
        tail.p50,
        tail.max
    );
    goals.add(
        format!("{backend}: {OUTSIDERS} concurrent wrong access keys, RSS of ehealth serve"),
        format!("peak {peak:.0} MiB"),
        "< 200 MiB",
        peak < LOADED_RSS_GOAL_MIB,
    );
    goals.add(
        format!("{backend}: {OUTSIDERS} concurrent wrong access keys, answers"),
        format!(
            "{wrong_key} wrong-key, {busy} busy, {} other",
            OUTSIDERS - wrong_key - busy
        ),
        "only wrong-key or busy",
        wrong_key + busy == OUTSIDERS && unready == 0,
    );
}

/// A key that is not `key`: its first digit moved on by one.
fn wrong(key: &str) -> String {
    let mut digits: Vec<u8> = key.bytes().collect();
    if let Some(d) = digits.first_mut() {
        *d = b'0' + (*d - b'0' + 1) % 10;
    }
    String::from_utf8(digits).unwrap_or_else(|_| "12345678".to_owned())
}
