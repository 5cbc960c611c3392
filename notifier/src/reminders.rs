//! The consent-expiry reminder sweep: every few minutes each notifier process queues the
//! reminders now due (`actions::reminders`); several processes may sweep at once, each
//! consent is reminded once.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ehealth_core::actions::reminders::queue_expiry_reminders;
use ehealth_core::context::Services;
use ehealth_core::CoreResult;
use tokio::sync::watch;

use crate::jobs::blocking;

/// How often to look for consents entering their last 30 days: a reminder is late by at
/// most this.
pub const SWEEP_EVERY: Duration = Duration::from_secs(600);
/// Consents handled per transaction.
const BATCH: i64 = 500;

/// Queues every reminder due at `now`; returns how many consents were reminded.
pub fn sweep(services: &Services, now: DateTime<Utc>) -> CoreResult<usize> {
    let mut conn = services.db.get()?;
    let mut total = 0;
    loop {
        let n = queue_expiry_reminders(&mut conn, now, BATCH)?;
        total += n;
        if n < BATCH as usize {
            return Ok(total);
        }
    }
}

/// Sweeps at start and every `SWEEP_EVERY` until `shutdown` turns true.
pub async fn run(services: Services, mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        let s = services.clone();
        match blocking(move || sweep(&s, Utc::now())).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(consents = n, "consent expiry reminders queued"),
            Err(e) => {
                tracing::warn!(error = %e, "consent expiry reminder sweep failed; retried at the next sweep")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(SWEEP_EVERY) => {}
            _ = shutdown.changed() => {}
        }
    }
}
