//! The `ehealth` binary as an operator runs it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use ehealth_core::db::Backend;
use ehealth_core::testing::{self, Start, TestDb};

fn ehealth(db: &TestDb, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ehealth"))
        .args(args)
        .env("DATABASE_URL", &db.url)
        .env("EHEALTH_DEMO", "0")
        .env_remove("EHEALTH_CONFIG")
        .output()
        .expect("run ehealth")
}

fn verify_detects_a_changed_row(backend: Backend) {
    let Some(db) = testing::open(backend, Start::Migrated) else {
        return;
    };
    let demo = ehealth(&db, &["demo"]);
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let sequenced = ehealth(&db, &["audit", "sequence", "--once"]);
    assert!(
        sequenced.status.success(),
        "{}",
        String::from_utf8_lossy(&sequenced.stderr)
    );
    let ok = ehealth(&db, &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{stdout}");
    assert!(stdout.contains("audit log intact"), "{stdout}");
    let checkpoint = ehealth(&db, &["audit", "checkpoint"]);
    let note = String::from_utf8_lossy(&checkpoint.stdout);
    assert!(note.starts_with("ehealth.example/access-log\n"), "{note}");
    assert!(
        note.contains("\n\n\u{2014} ehealth.example/access-log "),
        "{note}"
    );

    // Someone with database rights edits an entry behind the application's back.
    let tamper = match backend {
        Backend::Sqlite => "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET outcome = 'refused' WHERE seq = 3;",
        Backend::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change; UPDATE audit_log SET outcome = 'refused' WHERE seq = 3;",
    };
    db.conn().batch_execute(tamper).expect("tamper");
    // The incremental check starts after what it verified; --full recomputes everything.
    let incremental = ehealth(&db, &["audit", "verify"]);
    assert!(incremental.status.success());
    let broken = ehealth(&db, &["audit", "verify", "--full"]);
    let stdout = String::from_utf8_lossy(&broken.stdout);
    assert_eq!(broken.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("BROKEN at leaf 2 (seq 3)"), "{stdout}");
}

#[test]
fn sqlite_audit_verify_detects_a_changed_row() {
    verify_detects_a_changed_row(Backend::Sqlite);
}

#[test]
fn postgres_audit_verify_detects_a_changed_row() {
    verify_detects_a_changed_row(Backend::Postgres);
}

/// Kills the process if the test fails before it has stopped it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A plain HTTP/1.0 GET, so this synchronous test needs no HTTP client runtime.
fn http_get(url: &str) -> String {
    use std::io::{Read, Write};
    let addr = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("host");
    let path = &url["http://".len() + addr.len()..];
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out
}

/// The README's run command: no arguments, SQLite, demo data on first start, local
/// outbox. Both HTTP services become ready, the demo's messages land in the outbox, and
/// SIGTERM stops the process cleanly.
#[test]
fn first_run_serves_everything_on_sqlite_and_stops_on_sigterm() {
    let dir = tempfile::TempDir::new().expect("dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ehealth"))
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("EHEALTH_CONFIG")
        .env("EHEALTH_API_ADDR", "127.0.0.1:0")
        .env("EHEALTH_IVR_ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ehealth");
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let stdout = child.stdout.take().expect("stdout");
    let mut running = Running(child);
    let mut urls = Vec::new();
    let mut banner = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        banner.push_str(&line);
        banner.push('\n');
        for name in ["api", "ivr"] {
            if let Some(rest) = line.trim().strip_prefix(name) {
                if let Some(url) = rest
                    .split_whitespace()
                    .next()
                    .filter(|u| u.starts_with("http"))
                {
                    urls.push(url.to_owned());
                }
            }
        }
        if line.contains("demo patient") {
            break;
        }
    }
    assert_eq!(urls.len(), 2, "api and ivr URLs in the banner:\n{banner}");
    assert!(banner.contains("database: sqlite"), "{banner}");
    for url in &urls {
        let answer = http_get(&format!("{url}/readyz"));
        assert!(
            answer.lines().next().is_some_and(|l| l.contains(" 200 ")),
            "{url}: {answer}"
        );
        assert!(answer.contains("\"ready\""), "{url}: {answer}");
    }
    assert!(dir.path().join("data/ehealth.db").exists());
    // The demo registration's messages are delivered into the outbox.
    let deadline = Instant::now() + Duration::from_secs(20);
    let sms = dir.path().join("outbox/sms");
    while std::fs::read_dir(&sms).map_or(0, |d| d.count()) < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    let files: Vec<_> = std::fs::read_dir(&sms)
        .expect("outbox/sms")
        .flatten()
        .collect();
    assert!(
        files.len() >= 3,
        "registration, access key and consent SMS expected, found {}",
        files.len()
    );
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("SIGTERM");
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = running.0.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 15 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "exit status after SIGTERM: {status}");
}

/// `ehealth totp` prints what an authenticator shows for the secret now (or, at a step
/// boundary, the next step's code), and refuses a secret that is not one.
#[test]
fn totp_prints_the_current_code_and_refuses_a_bad_secret() {
    use ehealth_core::actions::demo::DEMO_TOTP_SECRET;
    let run = |secret: &str| {
        Command::new(env!("CARGO_BIN_EXE_ehealth"))
            .args(["totp", secret])
            .env_remove("EHEALTH_CONFIG")
            .output()
            .expect("run ehealth totp")
    };
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let out = run(DEMO_TOTP_SECRET);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let expected: Vec<String> = [before, before + 30]
        .iter()
        .map(|t| mobile_bridge::totp::code_at(DEMO_TOTP_SECRET, *t).expect("code"))
        .collect();
    assert!(expected.contains(&printed), "{printed} not in {expected:?}");

    let bad = run("not-base32!");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a usable TOTP secret"));
}

/// A channel configured but unusable stops the notifier at start, instead of a worker
/// that sends nothing behind a healthy `/readyz`.
#[test]
fn a_notifier_with_an_unusable_channel_refuses_to_start() {
    let Some(db) = testing::open(Backend::Sqlite, Start::Migrated) else {
        return;
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_ehealth"))
        .arg("notifier")
        .env("DATABASE_URL", &db.url)
        .env("EHEALTH_DEMO", "0")
        .env("EHEALTH_NOTIFIER_ADDR", "127.0.0.1:0")
        .env_remove("EHEALTH_CONFIG")
        .env("TWILIO_ACCOUNT_SID", "AC123")
        .env("TWILIO_AUTH_TOKEN", "token")
        .env_remove("TWILIO_FROM_NUMBER")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ehealth notifier");
    // Without the check it would run on: give it 30 s, then fail rather than hang.
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the notifier started despite an unusable SMS channel");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("notifier channels") && said.contains("TWILIO_FROM_NUMBER"),
        "{said}"
    );
}
