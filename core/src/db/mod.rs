//! Storage: one diesel code base over SQLite and PostgreSQL.
//!
//! What is backend-specific is kept here and in the job-claiming query: the connection
//! manager (picks the backend from the URL scheme), the pragmas, the embedded migrations
//! (one folder per backend), how a write transaction begins, `insert_or_ignore` and the
//! notifier's LISTEN (`job_listen`, PostgreSQL only).

pub mod access_keys;
pub mod account_factors;
pub mod accounts;
pub mod applications;
pub mod approvals;
pub mod attempts;
pub mod audit;
pub mod audit_tree;
pub mod calls;
pub mod consents;
pub mod devices;
pub mod episodes;
pub mod form_consents;
pub mod inbox;
pub mod job_listen;
pub mod job_wakeup;
pub mod jobs;
pub mod matrix;
pub mod patients;
pub mod pool_health;
pub mod portal_submissions;
pub mod providers;
pub mod receipts;
pub mod records;
pub mod schema;
pub mod sessions;
// issue 3 (patient app)
pub mod ceremonies;
pub mod one_time_codes;
pub mod passkeys;
pub mod patient_settings;
pub mod postal_letters;
pub mod postal_runs;
pub mod sdm;
pub mod withdrawals;
// issue 16 (providers as the booklet describes them)
pub mod provider_applications;
pub mod provider_changes;
pub mod registrations;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::query_dsl::methods::ExecuteDsl;
use diesel::r2d2::{ManageConnection, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::DatabaseConfig;
use crate::error::CoreError;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(diesel::SqliteConnection),
    Postgres(diesel::PgConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend and the string to hand its driver: `postgres://` and `postgresql://`
    /// URLs go to PostgreSQL as they are; `sqlite://path`, `sqlite:path` or a bare path
    /// is an SQLite file.
    pub fn from_url(url: &str) -> (Self, String) {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Self::Postgres, url.to_owned())
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            (Self::Sqlite, path.to_owned())
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// An r2d2 manager that connects to the backend named by the URL, so that a PostgreSQL
/// outage reports PostgreSQL's own error rather than a failed SQLite fallback.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    backend: Backend,
    target: String,
    health: std::sync::Arc<pool_health::PoolHealth>,
}

impl ConnectionManager {
    pub fn new(url: &str) -> Self {
        let (backend, target) = Backend::from_url(url);
        Self {
            backend,
            target,
            health: std::sync::Arc::default(),
        }
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        use diesel::r2d2::Error;
        match self.backend {
            Backend::Sqlite => {
                let mut conn = diesel::SqliteConnection::establish(&self.target)
                    .map_err(Error::ConnectionError)?;
                // WAL lets readers work beside the one writer; the busy timeout makes a
                // second writer wait instead of failing at once. Secure delete zeroes
                // what a scrub or delete frees (secrets are sealed anyway: see `seal`).
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                     PRAGMA secure_delete = ON;",
                )
                .map_err(Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
            Backend::Postgres => diesel::PgConnection::establish(&self.target)
                .map(DbConn::Postgres)
                .map_err(Error::ConnectionError),
        }
    }

    /// A round trip only when the server may have gone away (`pool_health`).
    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        if !self.health.checkout_needs_check() {
            return Ok(());
        }
        conn.batch_execute("SELECT 1").map_err(|e| {
            self.health.check_failed();
            diesel::r2d2::Error::QueryError(e)
        })
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        let broken = pool_health::take_lost_here()
            || std::thread::panicking()
            || match conn {
                DbConn::Sqlite(c) => AnsiTransactionManager::is_broken_transaction_manager(c),
                DbConn::Postgres(c) => AnsiTransactionManager::is_broken_transaction_manager(c),
            };
        if !broken {
            self.health.returned();
        }
        broken
    }
}

pub type Pool = diesel::r2d2::Pool<ConnectionManager>;
pub type PooledConn = PooledConnection<ConnectionManager>;

/// The pool and what backend it talks to.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    backend: Backend,
    /// PostgreSQL: tells idle notifier workers about committed jobs (`job_wakeup`).
    wakeup: Option<job_wakeup::JobWakeup>,
}

impl Database {
    pub fn connect(config: &DatabaseConfig) -> Result<Self, CoreError> {
        let manager = ConnectionManager::new(&config.url);
        let backend = manager.backend;
        if backend == Backend::Sqlite {
            ensure_parent_dir(&manager.target)?;
        }
        // SQLite has one writer at a time; a small pool is plenty and keeps lock waits short.
        let max_size = match backend {
            Backend::Sqlite => config.pool_size.min(8),
            Backend::Postgres => config.pool_size,
        };
        let pool = diesel::r2d2::Pool::builder()
            .max_size(max_size)
            // Connections are opened on demand only. With an idle minimum r2d2 refills the
            // pool from a background thread, and a process that exits meanwhile (a one-shot
            // command such as `ehealth audit verify`) could crash in libpq's TLS handshake
            // racing OpenSSL's exit cleanup (seen as a SIGSEGV after the output).
            .min_idle(Some(0))
            // A connection the database dropped (a restart, a crash) fails this check and
            // is replaced instead of being handed to a request; the check costs a round
            // trip only when the server may have gone away (`pool_health`).
            .test_on_check_out(true)
            .connection_timeout(Duration::from_secs(config.connect_timeout_secs))
            .build(manager)
            .map_err(|e| CoreError::Unavailable(e.to_string()))?;
        let wakeup =
            (backend == Backend::Postgres).then(|| job_wakeup::JobWakeup::new(&config.url));
        Ok(Self {
            pool,
            backend,
            wakeup,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection from the pool. The thread that takes it is the one that will commit
    /// with it (in `web::block` or `spawn_blocking`), so it is told which database's
    /// notifier workers to wake after a commit that enqueued jobs.
    pub fn get(&self) -> Result<PooledConn, CoreError> {
        if let Some(w) = &self.wakeup {
            w.enter();
        }
        self.pool.get().map_err(CoreError::from)
    }

    /// As `get`, but only a connection free at once: `None` rather than waiting.
    pub fn try_get(&self) -> Option<PooledConn> {
        if let Some(w) = &self.wakeup {
            w.enter();
        }
        self.pool.try_get()
    }

    /// Applies the embedded migrations that have not run yet; returns their names.
    pub fn migrate(&self) -> Result<Vec<String>, CoreError> {
        let mut conn = self.get()?;
        run_migrations(&mut conn)
    }

    /// For readiness: a round trip to the database.
    pub fn ping(&self) -> Result<(), CoreError> {
        let mut conn = self.get()?;
        conn.batch_execute("SELECT 1").map_err(CoreError::from)
    }

    /// PostgreSQL: calls `on_jobs` (from a thread of its own) whenever jobs were
    /// committed, until the listener is dropped (`job_listen`). `None` on SQLite, whose
    /// workers poll.
    pub fn listen(&self, on_jobs: impl Fn() + Send + 'static) -> Option<job_listen::JobListener> {
        job_listen::start(self.wakeup.as_ref()?.url(), on_jobs)
    }

    pub fn pool_state(&self) -> (u32, u32) {
        let s = self.pool.state();
        (s.connections, s.idle_connections)
    }
}

fn ensure_parent_dir(path: &str) -> Result<(), CoreError> {
    if path == ":memory:" {
        return Ok(());
    }
    match Path::new(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .map_err(|e| CoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))),
        _ => Ok(()),
    }
}

pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, CoreError> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| CoreError::Internal(format!("migration failed: {e}")))?;
    Ok(applied.iter().map(ToString::to_string).collect())
}

/// Runs `f` in one write transaction. On SQLite it begins with `BEGIN IMMEDIATE` so that
/// the write lock is taken up front (a deferred transaction that reads and then writes can
/// fail with SQLITE_BUSY instead of waiting); on PostgreSQL it is a plain transaction.
pub fn write_tx<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, CoreError>,
) -> Result<T, CoreError> {
    // PostgreSQL: a plain transaction (a savepoint when nested), after whose top-level
    // commit the notifier workers are woken if it enqueued jobs.
    if !matches!(conn, DbConn::Sqlite(_)) {
        let top_level = transaction_depth(conn)?.is_none();
        let result = conn.transaction(f);
        if top_level {
            match &result {
                Ok(_) => job_wakeup::after_commit(),
                Err(_) => job_wakeup::after_rollback(),
            }
        }
        return result;
    }
    // Nested in a write transaction already (the voice line answers a whole webhook in
    // one, around the use case's own): a savepoint, as on PostgreSQL.
    if transaction_depth(conn)?.is_some() {
        return conn.transaction(f);
    }
    with_sqlite(conn, |c| {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
    })?;
    match f(conn) {
        Ok(value) => match with_sqlite(conn, AnsiTransactionManager::commit_transaction) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = with_sqlite(conn, AnsiTransactionManager::rollback_transaction);
                Err(e.into())
            }
        },
        Err(e) => {
            with_sqlite(conn, AnsiTransactionManager::rollback_transaction)?;
            Err(e)
        }
    }
}

fn transaction_depth(conn: &mut DbConn) -> QueryResult<Option<std::num::NonZeroU32>> {
    match conn {
        DbConn::Sqlite(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
        }
        DbConn::Postgres(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
        }
    }
}

fn with_sqlite(
    conn: &mut DbConn,
    f: impl FnOnce(&mut diesel::SqliteConnection) -> QueryResult<()>,
) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => f(c),
        DbConn::Postgres(_) => Ok(()),
    }
}

/// Runs an `INSERT ... ON CONFLICT DO NOTHING` (spelled the same on both backends) and
/// returns how many rows it inserted: 0 when the row was there already. Diesel's
/// multi-backend query builder does not offer `ON CONFLICT`, so this is the one place
/// the statement is run on the backend's own connection.
pub fn insert_or_ignore<Q>(conn: &mut DbConn, insert: Q) -> QueryResult<usize>
where
    Q: ExecuteDsl<diesel::SqliteConnection> + ExecuteDsl<diesel::PgConnection>,
{
    match conn {
        DbConn::Sqlite(c) => ExecuteDsl::execute(insert, c),
        DbConn::Postgres(c) => ExecuteDsl::execute(insert, c),
    }
}

/// Instants are stored as UTC without zone, to the microsecond (what PostgreSQL keeps),
/// so that a value reads back exactly as written on both backends.
pub fn to_db(t: DateTime<Utc>) -> NaiveDateTime {
    t.trunc_subsecs(6).naive_utc()
}

pub fn from_db(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
