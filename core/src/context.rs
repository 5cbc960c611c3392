//! What every service needs at hand: the database, the configuration and the hasher.

use std::sync::Arc;

use chrono::Utc;

use crate::actions::demo::{self, DemoSummary};
use crate::config::Config;
use crate::db::Database;
use crate::error::CoreResult;
use crate::secret::SecretHasher;

#[derive(Clone)]
pub struct Services {
    pub db: Database,
    pub config: Arc<Config>,
    pub hasher: SecretHasher,
}

impl Services {
    /// Connects to the database and applies pending migrations.
    pub fn start(config: Config) -> CoreResult<Self> {
        let db = Database::connect(&config.database)?;
        let applied = db.migrate()?;
        if !applied.is_empty() {
            tracing::info!(
                backend = db.backend().name(),
                ?applied,
                "migrations applied"
            );
        }
        let hasher = SecretHasher::new(config.security.argon2, config.security.code_key.clone())?;
        Ok(Self {
            db,
            config: Arc::new(config),
            hasher,
        })
    }

    /// Loads the demo data if the database has no providers yet.
    pub fn seed_demo(&self) -> CoreResult<Option<DemoSummary>> {
        let mut conn = self.db.get()?;
        demo::seed(&mut conn, &self.hasher, Utc::now())
    }
}
