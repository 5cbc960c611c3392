//! Housekeeping every few minutes in each notifier process: the consent-expiry reminders
//! now due (`actions::reminders`; several processes may sweep at once, each consent is
//! reminded once), the end of SDM links of minors who turned 16 (`actions::sdm_links`),
//! the deletion of operational rows that have served their purpose
//! (`actions::retention`); and the providers' sweeps (issue 16): lifecycle changes whose
//! Hong Kong day has come, supporting documents' reminders and expiries, and
//! professionals' registration reminders (each acted on once however many sweep).

use std::time::Duration;

use chrono::{DateTime, Utc};
use ehealth_core::actions::registration_reminders::queue_registration_reminders;
use ehealth_core::actions::reminders::queue_expiry_reminders;
use ehealth_core::actions::retention::{self, Pruned};
use ehealth_core::actions::{document_expiry, provider_changes, sdm_links};
use ehealth_core::context::Services;
use ehealth_core::CoreResult;
use tokio::sync::watch;

use crate::jobs::blocking;

/// How often to sweep: a reminder is late by at most this.
pub const SWEEP_EVERY: Duration = Duration::from_secs(600);
/// Consents handled per transaction.
const BATCH: i64 = 500;

/// Whether a sweep's batch came back with fewer than `BATCH` rows: nothing is left.
fn short(n: usize) -> bool {
    i64::try_from(n).is_ok_and(|n| n < BATCH)
}

/// Queues every reminder due at `now`; returns how many consents were reminded.
pub fn remind(services: &Services, now: DateTime<Utc>) -> CoreResult<usize> {
    let mut conn = services.db.get()?;
    let mut total = 0;
    loop {
        let n = queue_expiry_reminders(&mut conn, now, BATCH)?;
        total += n;
        if short(n) {
            return Ok(total);
        }
    }
}

/// What one providers' sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProviderSweep {
    pub changes_applied: usize,
    pub document_reminders: usize,
    pub suspended_for_documents: usize,
    pub registration_reminders: usize,
}

impl ProviderSweep {
    pub fn total(&self) -> usize {
        self.changes_applied
            + self.document_reminders
            + self.suspended_for_documents
            + self.registration_reminders
    }
}

/// Applies the providers' lifecycle changes due at `now` (Hong Kong date) and queues the
/// reminders and suspensions due.
pub fn providers(services: &Services, now: DateTime<Utc>) -> CoreResult<ProviderSweep> {
    let mut conn = services.db.get()?;
    let settings = &services.config.providers;
    let mut sweep = ProviderSweep::default();
    loop {
        let n = provider_changes::apply_due(&mut conn, now, BATCH)?;
        sweep.changes_applied += n;
        if short(n) {
            break;
        }
    }
    let (reminded, suspended) =
        document_expiry::sweep(&mut conn, now, &settings.document_reminder_days, BATCH)?;
    sweep.document_reminders = reminded;
    sweep.suspended_for_documents = suspended;
    sweep.registration_reminders =
        queue_registration_reminders(&mut conn, now, settings.registration_reminder_days, BATCH)?;
    Ok(sweep)
}

/// Ends the links of SDMs for minors who are 16 on the Hong Kong date of `now` (issue 14);
/// returns how many links ended. Each link ends once, however many notifiers sweep.
pub fn end_minor_links(services: &Services, now: DateTime<Utc>) -> CoreResult<usize> {
    let mut conn = services.db.get()?;
    let mut total = 0;
    loop {
        let n = sdm_links::end_at_majority(&mut conn, now, BATCH)?;
        total += n;
        if short(n) {
            return Ok(total);
        }
    }
}

/// Deletes the operational rows due at `now`.
pub fn prune(services: &Services, now: DateTime<Utc>) -> CoreResult<Pruned> {
    let mut conn = services.db.get()?;
    retention::prune(&mut conn, now, services.config.notifier.keep_days)
}

/// Sweeps at start and every `SWEEP_EVERY` until `shutdown` turns true.
pub async fn run(services: Services, mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        let s = services.clone();
        match blocking(move || remind(&s, Utc::now())).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(consents = n, "consent expiry reminders queued"),
            Err(e) => {
                tracing::warn!(error = %e, "consent expiry reminder sweep failed; retried at the next sweep");
            }
        }
        let s = services.clone();
        match blocking(move || providers(&s, Utc::now())).await {
            Ok(p) if p.total() == 0 => {}
            Ok(p) => tracing::info!(sweep = ?p, "providers' changes, reminders and expiries"),
            Err(e) => {
                tracing::warn!(error = %e, "providers' sweep failed; retried at the next sweep");
            }
        }
        let s = services.clone();
        match blocking(move || end_minor_links(&s, Utc::now())).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(links = n, "SDM links of minors now 16 ended"),
            Err(e) => {
                tracing::warn!(error = %e, "the SDM coming-of-age sweep failed; retried at the next sweep");
            }
        }
        let s = services.clone();
        match blocking(move || prune(&s, Utc::now())).await {
            Ok(p) if p.total() == 0 => {}
            Ok(p) => tracing::info!(pruned = ?p, "old operational rows deleted"),
            Err(e) => {
                tracing::warn!(error = %e, "pruning old rows failed; retried at the next sweep");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(SWEEP_EVERY) => {}
            _ = shutdown.changed() => {}
        }
    }
}
