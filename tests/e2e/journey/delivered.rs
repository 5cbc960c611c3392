//! Step 7 of the journey: every access reached the patient once by each selected means and
//! by push, naming the provider; the post went into the day's print batch.

use std::time::{Duration, Instant};

use ehealth_core::db::jobs::{self, Job};
use ehealth_core::ids::PatientId;

use super::people::{Provider, ADDRESS, EMAIL, MOBILE};
use super::platform::Platform;
use super::received::{self, Received};

pub const RECORD_ACCESSED: &str = "record_accessed";
const CHANNELS: [&str; 4] = ["sms", "email", "post", "push"];

pub fn patient_jobs(p: &Platform, patient_id: &PatientId) -> Vec<Job> {
    jobs::for_patient(&mut p.app.conn(), patient_id).expect("jobs")
}

pub fn access_jobs(p: &Platform, patient_id: &PatientId) -> Vec<Job> {
    patient_jobs(p, patient_id)
        .into_iter()
        .filter(|j| j.job_type == RECORD_ACCESSED)
        .collect()
}

/// Waits until the notifier has finished every "record accessed" job: one per access and
/// channel. A job still held (folding) or failing shows in the failure message.
pub async fn wait_until_delivered(
    p: &Platform,
    patient_id: &PatientId,
    accesses: usize,
) -> Vec<Job> {
    let started = Instant::now();
    loop {
        let found = access_jobs(p, patient_id);
        if found.len() == accesses * CHANNELS.len() && found.iter().all(|j| j.status == jobs::DONE)
        {
            return found;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let state: Vec<_> = found
                .iter()
                .map(|j| (&j.channel, &j.status, j.run_at, &j.last_error))
                .collect();
            panic!(
                "{accesses} accesses x {} channels not delivered within 30 s \
                 (now {}): {state:#?}\nnotifier log:\n{}",
                CHANNELS.len(),
                chrono::Utc::now(),
                p.notifier_log()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Exactly one message per provider among `messages`, naming it.
fn one_per_provider(means: &str, messages: &[Received], providers: &[&Provider]) {
    assert_eq!(
        messages.len(),
        providers.len(),
        "{means}: one message per access: {messages:#?}"
    );
    for provider in providers {
        let naming = messages
            .iter()
            .filter(|m| {
                m.text
                    .contains(&format!("accessed by {}", provider.name_en))
            })
            .count();
        assert_eq!(
            naming, 1,
            "{means}: {} once: {messages:#?}",
            provider.name_en
        );
    }
    // Who and when, never what: no data type is named.
    assert!(
        messages
            .iter()
            .all(|m| !m.text.to_lowercase().contains("allerg")),
        "{means}: no clinical detail: {messages:#?}"
    );
}

/// SMS, email and push, as received by the stand-ins.
pub async fn assert_messages(p: &Platform, providers: &[&Provider], device_token: &str) {
    let s = &p.stand_ins;
    let sms = received::sms_to(&s.twilio, MOBILE, "record was accessed").await;
    one_per_provider("SMS", &sms, providers);
    let mail = received::emails_to(&s.smtp, EMAIL, "record was accessed");
    one_per_provider("email", &mail, providers);
    let pushes: Vec<Received> = received::pushes(&s.fcm)
        .await
        .into_iter()
        .filter(|m| m.title.contains("record was accessed"))
        .collect();
    assert!(
        pushes.iter().all(|m| m.to == device_token),
        "pushes go to the patient's device: {pushes:#?}"
    );
    one_per_provider("push", &pushes, providers);
}

/// Runs `ehealth postal batch` for the day the access letters were queued for and finds
/// each of them in the manifest, once, addressed to the patient.
pub async fn assert_letters(p: &Platform, jobs: &[Job], providers: usize) {
    let letters: Vec<&Job> = jobs.iter().filter(|j| j.channel == "post").collect();
    assert_eq!(letters.len(), providers, "one letter per access");
    let day = letters[0]
        .provider_ref
        .as_deref()
        .and_then(|r| r.strip_prefix("postal:"))
        .unwrap_or_else(|| panic!("queued for a mailing date: {:?}", letters[0]))
        .to_owned();
    let out = p.dir().join("letters");
    std::fs::create_dir_all(&out).expect("letters folder");
    let out_arg = out.display().to_string();
    let batch = p
        .ehealth(&["postal", "batch", "--date", &day, "--out", &out_arg])
        .await;
    let said = String::from_utf8_lossy(&batch.stdout).into_owned();
    assert!(
        batch.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&batch.stderr)
    );
    let manifest = std::fs::read_to_string(out.join(format!("ehealth-letters-{day}-run0001.csv")))
        .unwrap_or_else(|e| panic!("manifest for {day} ({e}): {said}"));
    let street = ADDRESS.split(", ").nth(2).expect("street");
    for letter in letters {
        let lines: Vec<&str> = manifest
            .lines()
            .filter(|l| l.contains(&letter.id))
            .collect();
        assert_eq!(lines.len(), 1, "letter {} once in\n{manifest}", letter.id);
        assert!(lines[0].contains(street), "addressed: {}", lines[0]);
    }
    assert!(
        std::fs::metadata(out.join(format!("ehealth-letters-{day}-run0001.pdf")))
            .is_ok_and(|m| m.len() > 0),
        "the letters' PDF"
    );
}
