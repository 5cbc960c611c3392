//! The simulated callers: a realistic one (one key press every 2 s, a whole call, then the
//! next call), the unpaced one of the saturation load, and an outsider keying a wrong key.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Barrier;
use tokio::time::sleep_until;

use super::line::{Call, Line, Outcome, Sample};

/// What every bench patient's callers key as the date of birth.
pub const DATE_OF_BIRTH: &str = "01011980";
/// The kind of the one step that checks a secret (Argon2id).
pub const KEY_STEP: &str = "access key (Argon2id)";

/// A bench patient as a caller knows them.
pub struct Patient {
    pub ehr: String,
    pub key: String,
}

/// One key press of a script: what is keyed, the step the TwiML must be at, the kind.
struct Press {
    digits: String,
    step: &'static str,
    kind: &'static str,
}

fn press(digits: &str, step: &'static str, kind: &'static str) -> Press {
    Press {
        digits: digits.to_owned(),
        step,
        kind,
    }
}

/// Language (English), eHR number, date of birth, access key.
fn identification(patient: &Patient) -> Vec<Press> {
    vec![
        press("2", "language", "language"),
        press(&patient.ehr, "ehr-number", "eHR number"),
        press(DATE_OF_BIRTH, "date-of-birth", "date of birth"),
        press(&patient.key, "access-key", KEY_STEP),
    ]
}

/// From the menu: hear the latest accesses, then give indefinite consent to `provider`.
fn menu_round(provider: &str) -> Vec<Press> {
    vec![
        press("4", "menu", "hear accesses"),
        press("1", "menu", "menu: give consent"),
        press(provider, "give-provider", "provider read back"),
        press("2", "give-type", "consent type"),
        press("1", "give-confirm", "consent written"),
    ]
}

/// A whole realistic call: identification, one menu round, goodbye.
fn realistic_call(patient: &Patient, provider: &str) -> Vec<Press> {
    let mut script = identification(patient);
    script.extend(menu_round(provider));
    script.push(press("9", "menu", "goodbye"));
    script
}

/// Presses in a realistic call, the first webhook included.
pub fn webhooks_per_call() -> usize {
    realistic_call(
        &Patient {
            ehr: String::new(),
            key: String::new(),
        },
        "",
    )
    .len()
        + 1
}

/// Keys `p` unless the TwiML is at another step (then a failed sample, and the call ends).
async fn key(line: &Line, call: &mut Call, p: &Press) -> Sample {
    if call.step() != p.step {
        eprintln!(
            "expected step {} but the call is at {:?}",
            p.step,
            call.step()
        );
        return Sample {
            kind: p.kind,
            sent: Instant::now(),
            took: Duration::ZERO,
            outcome: Outcome::Failed,
        };
    }
    line.key(call, Some(p.digits.as_str()), p.kind).await
}

/// Caller `n`: calls one after another from `start` until `until`, each press `every`
/// after the one before (sent at once if the answer came later than that).
pub async fn realistic(
    line: Line,
    n: usize,
    patient: Arc<Patient>,
    provider: String,
    every: Duration,
    start: Instant,
    until: Instant,
) -> Vec<Sample> {
    let from = format!("+85291{n:06}");
    let script = realistic_call(&patient, &provider);
    let mut at = start;
    let mut out = Vec::new();
    while at < until {
        let mut call = Call::new(&from);
        sleep_until(at.into()).await;
        at += every;
        out.push(line.key(&mut call, None, "call starts").await);
        for p in &script {
            if !call.open() || at >= until {
                break;
            }
            sleep_until(at.into()).await;
            at += every;
            let sample = key(&line, &mut call, p).await;
            let failed = sample.outcome == Outcome::Failed;
            out.push(sample);
            if failed {
                break;
            }
        }
        out.push(line.hang_up(&call).await);
    }
    out
}

/// The saturation load's caller: identifies once (calling again a second after a busy
/// answer), then loops the menu back to back until `until`.
pub async fn unpaced(
    line: Line,
    n: usize,
    patient: Arc<Patient>,
    provider: String,
    until: Instant,
) -> Vec<Sample> {
    let from = format!("+85292{n:06}");
    let mut out = Vec::new();
    'calls: while Instant::now() < until {
        let mut call = Call::new(&from);
        out.push(line.key(&mut call, None, "call starts").await);
        for p in &identification(&patient) {
            if !call.open() {
                break;
            }
            out.push(key(&line, &mut call, p).await);
        }
        if !call.open() || call.step() != "menu" {
            out.push(line.hang_up(&call).await);
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        let round = menu_round(&provider);
        while Instant::now() < until {
            for p in &round {
                let sample = key(&line, &mut call, p).await;
                out.push(sample);
                if !call.open() || sample.outcome != Outcome::Answered {
                    out.push(line.hang_up(&call).await);
                    continue 'calls;
                }
            }
        }
        out.push(line.hang_up(&call).await);
    }
    out
}

/// An outsider from number `n`: keys the claimed eHR number and date of birth, waits for
/// every other outsider to be there, then keys `wrong` as the access key. Returns the key
/// step's sample and whether the steps before it were answered.
pub async fn wrong_key(
    line: Line,
    n: usize,
    claimed: Patient,
    at_once: Arc<Barrier>,
) -> (Sample, bool) {
    let from = format!("+85293{n:06}");
    let mut call = Call::new(&from);
    let mut ready = line.key(&mut call, None, "call starts").await.outcome == Outcome::Answered;
    let mut script = identification(&claimed);
    let last = script.pop().expect("the key step");
    for p in &script {
        ready &= key(&line, &mut call, p).await.outcome == Outcome::Answered;
    }
    at_once.wait().await;
    let sample = key(&line, &mut call, &last).await;
    (sample, ready)
}
