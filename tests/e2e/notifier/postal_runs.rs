//! Postal batch runs: a second run the same day writes its own numbered files and takes
//! only the letters no run took; concurrent runs never share a letter or a file;
//! `ehealth postal reprint --run N` makes a run's files again, never over existing ones.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::Utc;
use ehealth_core::db::postal_letters::{self, PostalLetter};
use ehealth_core::db::{new_id, DbConn};

use crate::support::TestApp;

pub fn ehealth(app: &TestApp, args: &[&str], out: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ehealth"));
    cmd.args(args)
        .arg("--out")
        .arg(out)
        .env("DATABASE_URL", &app.db.url)
        .env("EHEALTH_DEMO", "0");
    cmd
}

pub fn run_ok(mut cmd: Command) -> String {
    let output = cmd.output().expect("ehealth runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Queues a letter as the notifier would (one per postal job).
pub fn letter(conn: &mut DbConn, day: &str, name: &str) -> String {
    let job_id = new_id();
    let l = PostalLetter {
        job_id: job_id.clone(),
        mailing_date: day.to_owned(),
        recipient_name: name.to_owned(),
        address: "Flat A, 1/F, 1 Harbour Road, Wan Chai".into(),
        language: ehealth_core::domain::Language::English,
        subject: "Your eHealth record".into(),
        body: format!("A letter for {name}."),
        created_at: Utc::now().naive_utc(),
        printed_at: None,
        run_no: None,
        page: None,
        reference: None,
    };
    assert!(postal_letters::queue(conn, &l).expect("queued"));
    job_id
}

/// The manifest's rows without the header: (run, page, reference, job_id).
pub fn manifest_rows(path: &Path) -> Vec<(String, String, String, String)> {
    let bytes = std::fs::read(path).expect("manifest");
    let text = String::from_utf8(bytes).expect("utf-8");
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("header").clone();
    assert_eq!(&headers[0], "run");
    reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            (
                r[0].to_owned(),
                r[1].to_owned(),
                r[2].to_owned(),
                r[3].to_owned(),
            )
        })
        .collect()
}

fn files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

fn run_file(dir: &Path, day: &str, run: i64, ext: &str) -> PathBuf {
    dir.join(format!("ehealth-letters-{day}-run{run:04}.{ext}"))
}

both_backends! {
    async fn a_second_run_the_same_day_keeps_the_first_and_a_run_can_be_reprinted(app: TestApp) {
        let mut conn = app.conn();
        let day = ehealth_notifier::postal::mailing_date(Utc::now());
        let out = tempfile::TempDir::new().expect("dir");
        let first = letter(&mut conn, &day, "CHAN Tai Man");
        let said = run_ok(ehealth(&app, &["postal", "batch", "--date", &day], out.path()));
        assert!(said.contains("run 1: 1 letters"), "{said}");
        let (pdf1, csv1) = (run_file(out.path(), &day, 1, "pdf"), run_file(out.path(), &day, 1, "csv"));
        let pdf1_bytes = std::fs::read(&pdf1).expect("run 1's PDF");

        let second = letter(&mut conn, &day, "LEE Siu Ming");
        let said = run_ok(ehealth(&app, &["postal", "batch", "--date", &day], out.path()));
        assert!(said.contains("run 2: 1 letters"), "{said}");
        assert_eq!(std::fs::read(&pdf1).expect("run 1's PDF stays"), pdf1_bytes, "never overwritten");
        let rows1 = manifest_rows(&csv1);
        let rows2 = manifest_rows(&run_file(out.path(), &day, 2, "csv"));
        assert_eq!(rows1.len(), 1);
        assert_eq!((rows1[0].0.as_str(), rows1[0].3.as_str()), ("1", first.as_str()));
        assert_eq!((rows2[0].0.as_str(), rows2[0].3.as_str()), ("2", second.as_str()));
        let again = run_ok(ehealth(&app, &["postal", "batch", "--date", &day], out.path()));
        assert!(again.contains("no letters waiting"), "{again}");

        // The mail house lost run 1's files: reprint makes them again from the database.
        std::fs::remove_file(&pdf1).expect("rm");
        std::fs::remove_file(&csv1).expect("rm");
        let said = run_ok(ehealth(&app, &["postal", "reprint", "--run", "1"], out.path()));
        assert!(said.contains("run 1: 1 letters"), "{said}");
        assert_eq!(manifest_rows(&csv1), rows1, "the same references, pages and run");
        let text = lopdf::Document::load(&pdf1).expect("pdf").extract_text(&[1]).expect("text");
        assert!(text.contains("CHAN Tai Man") && text.contains(&rows1[0].2), "{text}");
        // Reprinting while the files exist writes beside them.
        let said = run_ok(ehealth(&app, &["postal", "reprint", "--run", "1"], out.path()));
        assert!(said.contains("run0001-reprint1.pdf"), "{said}");
        assert_eq!(manifest_rows(&out.path().join(format!("ehealth-letters-{day}-run0001-reprint1.csv"))), rows1);

        let output = ehealth(&app, &["postal", "reprint", "--run", "9"], out.path()).output().expect("runs");
        assert!(!output.status.success(), "an unknown run is an error");
    }

    async fn concurrent_runs_never_share_a_letter_or_a_file(app: TestApp) {
        let mut conn = app.conn();
        let day = ehealth_notifier::postal::mailing_date(Utc::now());
        let queued: BTreeSet<String> = (0..8).map(|i| letter(&mut conn, &day, &format!("PATIENT {i}"))).collect();
        let out = tempfile::TempDir::new().expect("dir");
        let children: Vec<_> = (0..3)
            .map(|_| ehealth(&app, &["postal", "batch", "--date", &day], out.path()).spawn().expect("spawn"))
            .collect();
        for child in children {
            let status = child.wait_with_output().expect("waits").status;
            assert!(status.success());
        }
        let names = files(out.path());
        let manifests: Vec<&String> = names.iter().filter(|n| n.ends_with(".csv")).collect();
        assert!(!manifests.is_empty() && manifests.len() <= 3, "{names:?}");
        assert_eq!(names.len(), 2 * manifests.len(), "a PDF per manifest, no stray files: {names:?}");
        let mut printed = Vec::new();
        for m in &manifests {
            printed.extend(manifest_rows(&out.path().join(m)).into_iter().map(|r| r.3));
        }
        printed.sort();
        let expected: Vec<String> = queued.iter().cloned().collect();
        assert_eq!(printed, expected, "every letter printed exactly once");
        for id in &queued {
            let l = postal_letters::find(&mut conn, id).expect("q").expect("letter");
            assert!(l.printed_at.is_some() && l.run_no.is_some() && l.reference.is_some());
        }
    }
}
