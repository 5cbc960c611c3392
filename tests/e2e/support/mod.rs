//! The harness: `TestApp::start(backend)` boots the api, ivr and notifier HTTP services in
//! process on free ports over a database of the test's own; `both_backends!` declares a
//! test once and runs it on SQLite and PostgreSQL.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::net::TcpListener;
use std::path::PathBuf;

use ehealth_core::config::Config;
use ehealth_core::context::Services;
use ehealth_core::db::{Backend, PooledConn};
use ehealth_core::testing::{self, Start, TestDb};
use tempfile::TempDir;

/// Declares async tests that take a started `TestApp` and run on both backends, as
/// `<module>::sqlite::<name>` and `<module>::postgres::<name>`.
macro_rules! both_backends {
    ($( $(#[$meta:meta])* async fn $name:ident ( $app:ident : TestApp ) $body:block )+) => {
        $( $(#[$meta])* async fn $name($app: $crate::support::TestApp) $body )+

        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::support::TestApp::start(ehealth_core::db::Backend::Sqlite).await;
                    super::$name(app.expect("SQLite always runs")).await;
                }
            )+
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::support::TestApp::start(ehealth_core::db::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            )+
        }
    };
}

pub struct TestApp {
    /// Base URL of the api, e.g. `http://127.0.0.1:41234`.
    pub api: String,
    pub ivr: String,
    pub services: Services,
    pub client: reqwest::Client,
    pub outbox: TempDir,
    pub db: TestDb,
}

fn listener() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").expect("bind a free port")
}

impl TestApp {
    /// A migrated database on `backend` and the api and ivr serving it. `None` when
    /// PostgreSQL is not available and not required.
    pub async fn start(backend: Backend) -> Option<Self> {
        Self::start_with(backend, |_| {}).await
    }

    /// As `start`, with a chance to adjust the configuration first.
    pub async fn start_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<Self> {
        let db = testing::open(backend, Start::Migrated)?;
        let outbox = TempDir::new().expect("outbox folder");
        let mut config = db.config();
        config.notifier.outbox_dir = outbox.path().to_path_buf();
        adjust(&mut config);
        let services = Services::start(config).expect("services start");
        let (api_l, ivr_l) = (listener(), listener());
        let api = format!("http://{}", api_l.local_addr().expect("addr"));
        let ivr = format!("http://{}", ivr_l.local_addr().expect("addr"));
        tokio::spawn(ehealth_api::serve(services.clone(), api_l).expect("api starts"));
        tokio::spawn(ehealth_ivr::serve(services.clone(), ivr_l).expect("ivr starts"));
        Some(Self {
            api,
            ivr,
            services,
            client: reqwest::Client::new(),
            outbox,
            db,
        })
    }

    pub fn conn(&self) -> PooledConn {
        self.db.conn()
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// Loads the demo providers, accounts and patient.
    pub fn with_demo(self) -> Self {
        self.services.seed_demo().expect("demo seed");
        self
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.outbox.path().to_path_buf()
    }

    pub async fn get(&self, url: &str) -> reqwest::Response {
        self.client.get(url).send().await.expect("request sent")
    }
}

/// Reads a JSON body, failing the test with the text if it is not JSON.
pub async fn json(response: reqwest::Response) -> serde_json::Value {
    let text = response.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}
