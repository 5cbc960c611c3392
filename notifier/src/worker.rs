//! The claiming loop. No transaction is held while a message is being delivered: a job
//! is claimed (short transaction), delivered, then finished (short transaction). A worker
//! that dies leaves its jobs to be claimed again when their lease runs out.

use std::time::Duration;

use chrono::Utc;
use ehealth_core::context::Services;
use ehealth_core::db::jobs::{self, Job};
use ehealth_core::db::write_tx;
use ehealth_core::CoreError;
use tokio::sync::watch;

use crate::jobs::{deliver, Delivery};

#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub worker_id: String,
    pub batch_size: i64,
    pub lease: chrono::Duration,
    pub poll_interval: Duration,
}

impl WorkerOptions {
    pub fn from_services(services: &Services) -> Self {
        let c = &services.config.notifier;
        Self {
            worker_id: format!(
                "notifier-{}-{}",
                std::process::id(),
                &ehealth_core::db::new_id()[..8]
            ),
            batch_size: i64::from(c.batch_size.max(1)),
            lease: chrono::Duration::seconds(c.lease_secs.max(5) as i64),
            poll_interval: Duration::from_millis(c.poll_interval_ms.max(10)),
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, CoreError> + Send + 'static,
) -> Result<T, CoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CoreError::Internal(format!("worker task failed: {e}")))?
}

/// Runs until `shutdown` turns true; jobs claimed but not started are released.
pub async fn run(services: Services, options: WorkerOptions, mut shutdown: watch::Receiver<bool>) {
    tracing::info!(worker = %options.worker_id, "notifier worker started");
    while !*shutdown.borrow() {
        let claimed = {
            let (s, o) = (services.clone(), options.clone());
            blocking(move || {
                let mut conn = s.db.get()?;
                write_tx(&mut conn, |c| {
                    jobs::claim(c, &o.worker_id, o.batch_size, o.lease, Utc::now())
                        .map_err(CoreError::from)
                })
            })
            .await
        };
        match claimed {
            Ok(batch) if !batch.is_empty() => process_batch(&services, batch, &shutdown).await,
            Ok(_) => idle(&mut shutdown, options.poll_interval).await,
            Err(e) => {
                tracing::warn!(error = %e, "claiming jobs failed; retrying");
                idle(&mut shutdown, options.poll_interval * 5).await;
            }
        }
    }
    tracing::info!(worker = %options.worker_id, "notifier worker stopped");
}

async fn idle(shutdown: &mut watch::Receiver<bool>, wait: Duration) {
    tokio::select! {
        _ = tokio::time::sleep(wait) => {}
        _ = shutdown.changed() => {}
    }
}

async fn process_batch(services: &Services, batch: Vec<Job>, shutdown: &watch::Receiver<bool>) {
    for job in batch {
        if *shutdown.borrow() {
            release(services, job).await;
            continue;
        }
        let s = services.clone();
        let outcome = blocking(move || {
            let delivery = deliver(&s, &job);
            finish(&s, &job, delivery)
        })
        .await;
        if let Err(e) = outcome {
            tracing::warn!(error = %e, "finishing a job failed; its lease will expire and it will be retried");
        }
    }
}

fn finish(services: &Services, job: &Job, delivery: Delivery) -> Result<(), CoreError> {
    let owner = job.lease_owner.clone().unwrap_or_default();
    let now = Utc::now();
    let mut conn = services.db.get()?;
    write_tx(&mut conn, |c| {
        match &delivery {
            Delivery::Sent {
                provider_ref,
                scrubbed_payload,
            } => {
                if jobs::complete(c, &job.id, &owner, provider_ref.as_deref(), now)? {
                    if let Some(p) = scrubbed_payload {
                        jobs::set_payload(c, &job.id, p)?;
                    }
                }
            }
            Delivery::Failed { error, permanent } => {
                let retry_at = now + backoff(job.attempts);
                tracing::warn!(job = %job.id, attempts = job.attempts, error = %error, "delivery failed");
                jobs::fail(c, job, error, retry_at, *permanent, now)?;
            }
        }
        Ok(())
    })
}

async fn release(services: &Services, job: Job) {
    let s = services.clone();
    let _ = blocking(move || {
        let mut conn = s.db.get()?;
        let owner = job.lease_owner.clone().unwrap_or_default();
        jobs::release(&mut conn, &job.id, &owner, Utc::now()).map_err(CoreError::from)
    })
    .await;
}

/// Exponential backoff with jitter: about 5 s, 10 s, 20 s... capped at one hour.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exp = attempts.clamp(1, 10) as u32 - 1;
    let base = (5i64 << exp).min(3_600);
    let jitter = rand::Rng::gen_range(&mut rand::thread_rng(), 0.5..1.5);
    chrono::Duration::milliseconds((base as f64 * 1_000.0 * jitter) as i64)
}
