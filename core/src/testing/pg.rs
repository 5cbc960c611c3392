//! The PostgreSQL side of the harness: one migrated template per version of the
//! migrations, shared by every test process, and one throw-away database per test cloned
//! from it (`CREATE DATABASE ... TEMPLATE`), dropped when the test ends, pass or panic.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use crate::db::{run_migrations, DbConn};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

pub const URL_VAR: &str = "EHEALTH_TEST_POSTGRES_URL";
pub const REQUIRED_VAR: &str = "EHEALTH_TEST_POSTGRES";
const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Key of the advisory lock under which a missing template is built: taken on the admin
/// database, so that test processes started together build it once.
const TEMPLATE_LOCK: i64 = 0x6568_6561_6c74_6801;

/// The server URL the suite runs against (the admin database; tests get their own).
pub fn server_url() -> String {
    std::env::var(URL_VAR)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_URL.to_owned())
}

/// Whether an unreachable server must fail the suite instead of skipping it.
pub fn required() -> bool {
    std::env::var(REQUIRED_VAR).is_ok_and(|v| v.trim() == "required")
}

pub enum Availability {
    Ready(Arc<Server>),
    /// No server answered; the reason is libpq's own message.
    Unreachable(String),
}

/// A reachable server with a migrated template.
pub struct Server {
    url: String,
    template: String,
}

/// Probes the server and makes sure the template exists, once per process. A server that
/// answers but cannot be set up is an `Err`: that fails the tests, it never skips them.
pub fn server() -> &'static Result<Availability, String> {
    static SERVER: OnceLock<Result<Availability, String>> = OnceLock::new();
    SERVER.get_or_init(|| {
        let url = server_url();
        let mut admin = match PgConnection::establish(&with_connect_timeout(&url)) {
            Ok(c) => c,
            Err(e) => {
                // libpq's message spans lines; one line reads better in a test report.
                let reason = e
                    .to_string()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                return Ok(Availability::Unreachable(reason));
            }
        };
        let template = format!("ehealth_tpl_{}", migrations_hash());
        ensure_template(&mut admin, &url, &template)
            .map_err(|e| format!("cannot prepare template database {template}: {e}"))?;
        Ok(Availability::Ready(Arc::new(Server { url, template })))
    })
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn database_exists(admin: &mut PgConnection, name: &str) -> QueryResult<bool> {
    let found: Count =
        diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
            .bind::<Text, _>(name)
            .get_result(admin)?;
    Ok(found.n > 0)
}

fn ensure_template(admin: &mut PgConnection, url: &str, template: &str) -> Result<(), String> {
    let lock = |admin: &mut PgConnection, f: &str| {
        admin
            .batch_execute(&format!("SELECT {f}({TEMPLATE_LOCK})"))
            .map_err(|e| format!("{f}: {e}"))
    };
    lock(admin, "pg_advisory_lock")?;
    let built = match database_exists(admin, template) {
        Ok(true) => Ok(()),
        Ok(false) => build_template(admin, url, template),
        Err(e) => Err(e.to_string()),
    };
    lock(admin, "pg_advisory_unlock")?;
    built
}

/// Builds under a temporary name and renames at the end, so that a process killed half
/// way never leaves a half-migrated template behind under the real name.
fn build_template(admin: &mut PgConnection, url: &str, template: &str) -> Result<(), String> {
    let building = format!("{template}_building");
    let sql = |admin: &mut PgConnection, sql: String| {
        admin.batch_execute(&sql).map_err(|e| format!("{sql}: {e}"))
    };
    sql(
        admin,
        format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"),
    )?;
    sql(
        admin,
        format!("CREATE DATABASE {building} TEMPLATE template0"),
    )?;
    {
        let conn = PgConnection::establish(&with_database(url, &building))
            .map_err(|e| format!("connect to {building}: {e}"))?;
        let mut conn = DbConn::Postgres(conn);
        run_migrations(&mut conn).map_err(|e| e.to_string())?;
    }
    // A database with a session open cannot be copied: make sure none is left.
    sql(
        admin,
        format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{building}' AND pid <> pg_backend_pid()"
        ),
    )?;
    sql(
        admin,
        format!("ALTER DATABASE {building} RENAME TO {template}"),
    )
}

/// Which template a test database starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    Migrated,
    Empty,
}

impl Server {
    /// A fresh database for one test, dropped (with any session still open) by the guard.
    pub fn create_database(&self, start: Start) -> (String, DropGuard) {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "ehealth_test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let template = match start {
            Start::Migrated => self.template.as_str(),
            Start::Empty => "template0",
        };
        let mut admin = PgConnection::establish(&with_connect_timeout(&self.url))
            .unwrap_or_else(|e| panic!("connect to {}: {e}", redact(&self.url)));
        admin
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .unwrap_or_else(|e| panic!("create test database {name} from {template}: {e}"));
        let url = with_connect_timeout(&with_database(&self.url, &name));
        let guard = DropGuard {
            admin_url: self.url.clone(),
            name,
        };
        (url, guard)
    }
}

/// Drops the test database when the test ends, also when it panics.
pub struct DropGuard {
    admin_url: String,
    name: String,
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        let dropped = PgConnection::establish(&with_connect_timeout(&self.admin_url))
            .map_err(|e| e.to_string())
            .and_then(|mut admin| {
                admin
                    .batch_execute(&format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        self.name
                    ))
                    .map_err(|e| e.to_string())
            });
        if let Err(e) = dropped {
            eprintln!("warning: test database {} not dropped: {e}", self.name);
        }
    }
}

/// The digest of the PostgreSQL migrations compiled into this binary (see build.rs): a
/// new or changed migration gets a new template, and an older test binary keeps its own.
fn migrations_hash() -> &'static str {
    env!("EHEALTH_POSTGRES_MIGRATIONS_DIGEST")
}

/// `url` with its database name replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let root = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{database}?{q}"),
        None => format!("{root}/{database}"),
    }
}

/// A host that drops packets should fail the probe in seconds, not hang the suite.
/// The test connections' options: a connect timeout, and no TLS unless the URL asks for
/// it. A test process exits as soon as its test returns; a pooled connection closed by
/// another thread at that moment, inside libpq's TLS, races OpenSSL's exit cleanup and can
/// kill a passed test with "double free or corruption" or a SIGSEGV. Loopback needs no TLS.
fn with_connect_timeout(url: &str) -> String {
    let mut url = url.to_owned();
    for (key, option) in [
        ("connect_timeout=", "connect_timeout=5"),
        ("sslmode=", "sslmode=disable"),
    ] {
        if !url.contains(key) {
            let sep = if url.contains('?') { '&' } else { '?' };
            url = format!("{url}{sep}{option}");
        }
    }
    url
}

/// `url` without its password, for messages.
pub fn redact(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let authority = &base[authority_start..authority_end];
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            format!("{user}@{host}")
        }
        None => authority.to_owned(),
    };
    let mut out = format!(
        "{}{authority}{}",
        &base[..authority_start],
        &base[authority_end..]
    );
    let kept: Vec<&str> = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|p| !p.starts_with("password="))
        .collect();
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    out
}
