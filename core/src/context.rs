//! What every service needs at hand: the database, the configuration and the hasher.

use std::sync::Arc;

use chrono::Utc;

use crate::actions::demo::{self, DemoSummary};
use crate::config::Config;
use crate::db::{account_factors, write_tx, Database};
use crate::error::CoreResult;
use crate::hash_pool::PoolSize;
use crate::seal::SecretBox;
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
        let sealer = SecretBox::from_config(&config.security.seal_keys)?;
        let security = &config.security;
        let pool = PoolSize::from_config(security.argon2_threads, security.argon2_queue);
        let hasher = SecretHasher::with_pool(security.argon2, security.code_key.clone(), pool)?
            .with_sealer(sealer);
        // TOTP secrets stored in clear before sealing existed, or under a retired key,
        // are (re)sealed once here, before any sign-in reads them.
        let mut conn = db.get()?;
        let resealed = write_tx(&mut conn, |c| {
            account_factors::reseal_totp(c, hasher.sealer())
        })?;
        drop(conn);
        if resealed > 0 {
            tracing::info!(resealed, "TOTP secrets sealed under the current key");
        }
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
