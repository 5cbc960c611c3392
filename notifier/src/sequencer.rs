//! The access log's sequencer loop in each notifier process (`ehealth serve`, `ehealth
//! notifier`): integrates committed audit entries in batches and signs a checkpoint per
//! batch. Any number of processes may run it; one integrates at a time
//! (`actions::sequencer`), the others find the lock taken and wait for their next turn.

use std::time::Duration;

use chrono::Utc;
use ehealth_core::actions::sequencer::{integrate_batch, Batch};
use ehealth_core::context::Services;
use ehealth_core::CoreResult;
use tokio::sync::watch;

use crate::jobs::blocking;

fn one_batch(services: &Services) -> CoreResult<Option<Batch>> {
    let signer = services.config.audit.signer()?;
    let mut conn = services.db.get()?;
    integrate_batch(
        &mut conn,
        &signer,
        services.config.audit.batch_size,
        Utc::now(),
        &|| {},
    )
}

/// Integrates until `shutdown` turns true: at once again after a full batch, otherwise
/// after `audit.interval_ms` (so an entry waits at most about that long under load).
pub async fn run(services: Services, mut shutdown: watch::Receiver<bool>) {
    let pause = Duration::from_millis(services.config.audit.interval_ms);
    let limit = services.config.audit.batch_size;
    while !*shutdown.borrow() {
        let s = services.clone();
        let full = match blocking(move || one_batch(&s)).await {
            Ok(Some(b)) => b.integrated as i64 == limit,
            Ok(None) => false,
            Err(e) => {
                ehealth_core::metrics::metrics().sequencer_failures.inc();
                tracing::warn!(error = %e, "audit log sequencer batch failed; retried");
                false
            }
        };
        if full {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.changed() => {}
        }
    }
}
