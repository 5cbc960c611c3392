//! Post: the notifier queues letters; `ehealth postal batch --date D` prints them into one
//! PDF (Chinese renders: a CJK font subset is embedded) and a CSV manifest, once.

use std::process::Command;
use std::time::Duration;

use chrono::Utc;
use ehealth_core::db::{jobs, postal_letters};
use ehealth_core::domain::NotificationKind;

use super::harness::{self, Means};
use crate::support::TestApp;

const POST: Means = Means {
    sms: false,
    email: false,
    post: true,
};

fn batch(app: &TestApp, date: &str, out: &std::path::Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_ehealth"))
        .args(["postal", "batch", "--date", date, "--out"])
        .arg(out)
        .env("DATABASE_URL", &app.db.url)
        .env("EHEALTH_DEMO", "0")
        .output()
        .expect("ehealth postal batch runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

both_backends! {
    async fn the_days_letters_print_once_into_a_pdf_and_a_manifest(app: TestApp) {
        let mut conn = app.conn();
        let chinese = harness::patient(&mut conn, "zh-Hant", POST);
        let english = harness::patient(&mut conn, "en", POST);
        harness::notify(&mut conn, &chinese, NotificationKind::ConsentGiven, "ev-zh");
        harness::notify(&mut conn, &english, NotificationKind::ConsentRevoked, "ev-en");
        let _worker = harness::start_worker(&app);
        let date = ehealth_notifier::postal::mailing_date(Utc::now());
        harness::wait_for(Duration::from_secs(10), "both letters queued", || {
            [&chinese, &english].iter().all(|p| harness::all_jobs(&mut conn, p)[0].status == jobs::DONE)
        }).await;
        let job = &harness::all_jobs(&mut conn, &chinese)[0];
        assert_eq!(job.provider_ref.as_deref(), Some(format!("postal:{date}").as_str()));

        let out = tempfile::TempDir::new().expect("dir");
        let said = batch(&app, &date, out.path());
        assert!(said.contains("2 letters"), "{said}");
        let pdf_path = out.path().join(format!("ehealth-letters-{date}-run0001.pdf"));
        let pdf_bytes = std::fs::read(&pdf_path).expect("the PDF");
        assert!(pdf_bytes.starts_with(b"%PDF"));
        assert!(pdf_bytes.len() < 200_000, "a font subset, not the 5 MB font: {}", pdf_bytes.len());
        let pdf = lopdf::Document::load_mem(&pdf_bytes).expect("a readable PDF");
        assert_eq!(pdf.get_pages().len(), 2, "one page per letter");
        let text = pdf.extract_text(&[1, 2]).expect("text");
        assert!(text.contains("閣下已給予海港診所互通同意"), "Chinese renders: {text}");
        assert!(text.contains("You gave") || text.contains("revoked"), "{text}");
        assert!(text.contains("Harbour Road"), "the address block: {text}");
        let manifest = std::fs::read_to_string(out.path().join(format!("ehealth-letters-{date}-run0001.csv")))
            .expect("the manifest");
        let rows: Vec<&str> = manifest.lines().collect();
        assert_eq!(rows.len(), 3, "{manifest}");
        assert!(rows[0].starts_with("\u{feff}run,page,reference,job_id,recipient,address"));
        assert!(rows[1].contains(&job.id) || rows[2].contains(&job.id));

        let letter = postal_letters::find(&mut conn, &job.id).expect("q").expect("letter");
        assert!(letter.printed_at.is_some() && letter.body.is_empty(), "printed once, text cleared");
        std::fs::remove_file(&pdf_path).expect("rm");
        let again = batch(&app, &date, out.path());
        assert!(again.contains("no letters waiting"), "{again}");
        assert!(!pdf_path.exists(), "a re-run prints nothing twice");
    }
}
