//! The platform as operators run it: `ehealth api`, `ehealth ivr` and `ehealth notifier`
//! as three processes over one database, talking to the provider stand-ins (Twilio
//! Messages, FCM with its OAuth token endpoint, a real SMTP server), plus one-shot
//! `ehealth` commands. Each service counts as started once its `/readyz` answers 200;
//! every process is killed when the test ends, pass or panic.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use ehealth_core::testing::TestDb;
use tempfile::TempDir;
use wiremock::MockServer;

use crate::ivr::call;
use crate::notifier::harness::SmtpSink;
use crate::notifier::{push, sms};
use crate::support::TestApp;

/// The Messages API secret the Twilio stand-in's basic-auth matcher expects (`sms.rs`).
/// The voice line signs with its own token (`call::AUTH_TOKEN`): the stand-ins were
/// written apart, and each process is told only what it uses.
const TWILIO_API_SECRET: &str = "twilio-secret";

/// Settings a developer's shell might hold that must not reach the processes.
const INHERITED: &[&str] = &[
    "EHEALTH_CONFIG",
    "EHEALTH_MODE",
    "EHEALTH_CODE_KEY",
    "EHEALTH_SEAL_KEYS",
    "EHEALTH_OUTBOX_DIR",
    "EHEALTH_FOLD_WINDOW_SECS",
    "EHEALTH_IVR_PUBLIC_URL",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_API_BASE",
    "TWILIO_FROM_NUMBER",
    "SMTP_URL",
    "FCM_PROJECT_ID",
    "FCM_CREDENTIALS_FILE",
    "FCM_API_BASE",
];

/// The third parties the notifier talks to, all on loopback.
pub struct StandIns {
    pub twilio: MockServer,
    pub fcm: MockServer,
    pub smtp: SmtpSink,
    fcm_key: PathBuf,
    _keys: TempDir,
}

impl StandIns {
    pub async fn start() -> Self {
        let twilio = sms::twilio(sms::TwilioStandIn::new(0).0).await;
        let fcm = push::fcm().await;
        let keys = TempDir::new().expect("key folder");
        let fcm_key = push::service_account(keys.path(), &fcm);
        Self {
            twilio,
            fcm,
            smtp: SmtpSink::start(),
            fcm_key,
            _keys: keys,
        }
    }
}

/// One running service process; its output goes to `<name>.log`, shown if it fails.
struct Service {
    name: &'static str,
    child: Child,
    url: String,
    log: PathBuf,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Service {
    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The URL the process printed in its start-up banner (`  api       http://...`).
    fn announced_url(&self) -> Option<String> {
        self.log_text().lines().find_map(|line| {
            let rest = line.trim().strip_prefix(self.name)?;
            let url = rest.split_whitespace().next()?;
            url.starts_with("http://").then(|| url.to_owned())
        })
    }

    async fn wait_ready(&mut self, client: &reqwest::Client) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("process state") {
                panic!(
                    "ehealth {} exited ({status}):\n{}",
                    self.name,
                    self.log_text()
                );
            }
            if self.url.is_empty() {
                self.url = self.announced_url().unwrap_or_default();
            }
            if !self.url.is_empty() {
                let answer = client.get(format!("{}/readyz", self.url)).send().await;
                if answer.is_ok_and(|r| r.status() == 200) {
                    return;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "ehealth {} not ready after 30 s:\n{}",
                self.name,
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The three services over one database. `app` is the test's view of them: its `api` and
/// `ivr` are the processes' URLs, so the app, counter and voice-line helpers drive the
/// processes; its `services` reach the same database, for what only a database shows.
pub struct Platform {
    // Declared first: the processes stop before the database is removed.
    services: Vec<Service>,
    pub app: TestApp,
    pub stand_ins: StandIns,
    dir: TempDir,
}

impl Platform {
    /// Loads the demo with `ehealth demo`, then starts the three services. Returns the
    /// platform and what `ehealth demo` printed.
    pub async fn start(db: TestDb, stand_ins: StandIns) -> (Self, String) {
        let dir = TempDir::new().expect("platform folder");
        write_config(dir.path());
        let app = adapter(db, &dir);
        let mut platform = Self {
            services: Vec::new(),
            app,
            stand_ins,
            dir,
        };
        let demo = platform.ehealth(&["demo"]).await;
        let banner = String::from_utf8_lossy(&demo.stdout).into_owned();
        assert!(demo.status.success(), "ehealth demo: {banner}");
        platform.spawn_all();
        let client = platform.app.client.clone();
        for service in &mut platform.services {
            service.wait_ready(&client).await;
        }
        platform.app.api = platform.services[0].url.clone();
        platform.app.ivr = platform.services[1].url.clone();
        (platform, banner)
    }

    fn spawn_all(&mut self) {
        let public_url = format!("{}/", call::PUBLIC_URL);
        let twilio = self.stand_ins.twilio.uri();
        let fcm = self.stand_ins.fcm.uri();
        let key = self.stand_ins.fcm_key.display().to_string();
        let smtp = self.stand_ins.smtp.url();
        let api = self.spawn("api", "EHEALTH_API_ADDR", &[]);
        let ivr = self.spawn(
            "ivr",
            "EHEALTH_IVR_ADDR",
            &[
                ("TWILIO_AUTH_TOKEN", call::AUTH_TOKEN),
                ("EHEALTH_IVR_PUBLIC_URL", public_url.as_str()),
            ],
        );
        let notifier = self.spawn(
            "notifier",
            "EHEALTH_NOTIFIER_ADDR",
            &[
                ("TWILIO_ACCOUNT_SID", sms::SID),
                ("TWILIO_AUTH_TOKEN", TWILIO_API_SECRET),
                ("TWILIO_API_BASE", twilio.as_str()),
                ("TWILIO_FROM_NUMBER", sms::FROM),
                ("EHEALTH_IVR_PUBLIC_URL", public_url.as_str()),
                ("SMTP_URL", smtp.as_str()),
                ("FCM_PROJECT_ID", push::PROJECT),
                ("FCM_CREDENTIALS_FILE", key.as_str()),
                ("FCM_API_BASE", fcm.as_str()),
                ("EHEALTH_SMS_PER_SENDER_PER_SEC", "0"),
                ("EHEALTH_NOTIFIER_BACKOFF_BASE_MS", "100"),
            ],
        );
        self.services = vec![api, ivr, notifier];
    }

    /// Starts `ehealth <name>` listening on a port the system picks (`127.0.0.1:0`), so
    /// that no other test can take it between choosing and binding; its URL is read
    /// from the banner it prints.
    fn spawn(&self, name: &'static str, addr_var: &str, env: &[(&str, &str)]) -> Service {
        let log = self.dir.path().join(format!("{name}.log"));
        let out = File::create(&log).expect("log file");
        let child = self
            .command()
            .arg(name)
            .env(addr_var, "127.0.0.1:0")
            .envs(env.iter().copied())
            .stdout(out.try_clone().expect("log file"))
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("ehealth {name} starts: {e}"));
        Service {
            name,
            child,
            url: String::new(),
            log,
        }
    }

    /// `ehealth` with the platform's database and configuration, nothing inherited.
    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ehealth"));
        for name in INHERITED {
            command.env_remove(name);
        }
        command
            .current_dir(self.dir.path())
            .env("DATABASE_URL", &self.app.db.url)
            .env("EHEALTH_CONFIG", self.dir.path().join("ehealth.toml"))
            .env("EHEALTH_DEMO", "0")
            .env("RUST_LOG", "warn");
        command
    }

    /// Runs a one-shot command (`demo`, `audit verify`, `postal batch`) to its end.
    pub async fn ehealth(&self, args: &[&str]) -> Output {
        let mut command = self.command();
        command.args(args).stdin(Stdio::null());
        tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("command task")
            .expect("ehealth runs")
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The notifier's log so far, for failure messages.
    pub fn notifier_log(&self) -> String {
        self.services
            .get(2)
            .map(Service::log_text)
            .unwrap_or_default()
    }
}

/// What every process reads: a cheap Argon2 cost (as `TestDb::config` gives the in-process
/// tests) so that hashing does not dominate, a fast poll (SQLite has no wake-up) and an
/// outbox of the test's own.
fn write_config(dir: &Path) {
    let cheap = ehealth_core::testing::cheap_argon2();
    let outbox = dir.join("outbox");
    std::fs::write(
        dir.join("ehealth.toml"),
        format!(
            "demo_on_first_start = false\n\n[notifier]\npoll_interval_ms = 50\noutbox_dir = {:?}\n\n\
             [security.argon2]\nmemory_kib = {}\niterations = {}\nparallelism = {}\n",
            outbox.display().to_string(),
            cheap.memory_kib,
            cheap.iterations,
            cheap.parallelism
        ),
    )
    .expect("config file");
}

/// A `TestApp` over the platform's database whose URLs are set to the processes once
/// they are ready; nothing is served from this process.
fn adapter(db: TestDb, dir: &TempDir) -> TestApp {
    let services = ehealth_core::context::Services::start(db.config()).expect("database opens");
    TestApp {
        api: String::new(),
        ivr: String::new(),
        services,
        client: reqwest::Client::new(),
        outbox: TempDir::new_in(dir.path()).expect("outbox"),
        db,
    }
}
