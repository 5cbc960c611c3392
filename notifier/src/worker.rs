//! The claiming loop. No transaction is held while a message is being delivered: a job
//! is claimed (short transaction), delivered, then finished (short transaction). A worker
//! that dies leaves its jobs to be claimed again when their lease runs out.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use ehealth_core::context::Services;
use ehealth_core::db::jobs::{self, Job};
use ehealth_core::db::write_tx;
use ehealth_core::CoreError;
use tokio::sync::{watch, Notify, Semaphore};

use crate::channels::Channels;
use crate::folding::{self, Fold};
use crate::jobs::{blocking, deliver, Delivery, Retry};

#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub worker_id: String,
    pub batch_size: i64,
    pub lease: chrono::Duration,
    pub poll_interval: Duration,
    /// The first retry waits about this long; each further one twice as long.
    pub backoff_base: Duration,
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
            backoff_base: Duration::from_millis(c.backoff_base_ms),
        }
    }
}

/// Runs until `shutdown` turns true; jobs claimed but not started are released.
pub async fn run(services: Services, options: WorkerOptions, mut shutdown: watch::Receiver<bool>) {
    let channels = match Channels::from_config(&services.config) {
        Ok(c) => Arc::new(c),
        Err(e) => {
            tracing::error!(error = %e, "notifier channels misconfigured; worker not started");
            return;
        }
    };
    let notify = Arc::new(tokio::sync::Notify::new());
    let on_jobs = notify.clone();
    let listener = services.db.listen(move || on_jobs.notify_one());
    let wake = listener.as_ref().map(|_| notify);
    tracing::info!(worker = %options.worker_id, listening = wake.is_some(), "notifier worker started");
    let urgent = tokio::spawn(urgent_lane(
        services.clone(),
        options.clone(),
        channels.clone(),
        shutdown.clone(),
    ));
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
            Ok(batch) if !batch.is_empty() => {
                process_batch(&services, &options, &channels, batch, &shutdown).await;
            }
            Ok(_) => idle(&mut shutdown, options.poll_interval, wake.as_deref()).await,
            Err(e) => {
                tracing::warn!(error = %e, "claiming jobs failed; retrying");
                idle(&mut shutdown, options.poll_interval * 5, None).await;
            }
        }
    }
    let _ = urgent.await;
    tracing::info!(worker = %options.worker_id, "notifier worker stopped");
}

/// Deliveries the urgent lane has in flight at once.
const URGENT_IN_FLIGHT: i64 = 4;
/// How often the urgent lane looks for work, at most.
const URGENT_POLL: Duration = Duration::from_millis(200);

/// Codes, new access keys and lockout warnings, claimed beside the batch in progress:
/// a batch of notices takes its time at the senders' pace, and a patient waiting for a
/// sign-in code must not wait for it to end. Whatever the lane claims it starts at once.
async fn urgent_lane(
    services: Services,
    options: WorkerOptions,
    channels: Arc<Channels>,
    mut shutdown: watch::Receiver<bool>,
) {
    let poll = options.poll_interval.min(URGENT_POLL);
    while !*shutdown.borrow() {
        let claimed = {
            let (s, o) = (services.clone(), options.clone());
            blocking(move || {
                let mut conn = s.db.get()?;
                write_tx(&mut conn, |c| {
                    jobs::claim_from(c, &o.worker_id, URGENT_IN_FLIGHT, o.lease, Utc::now(), 1)
                        .map_err(CoreError::from)
                })
            })
            .await
        };
        match claimed {
            Ok(batch) if !batch.is_empty() => {
                let mut running = tokio::task::JoinSet::new();
                for job in batch {
                    let (s, c) = (services.clone(), channels.clone());
                    running.spawn(handle(s, c, job, options.backoff_base));
                }
                while let Some(outcome) = running.join_next().await {
                    if let Ok(Err(e)) = outcome {
                        tracing::warn!(error = %e, "finishing an urgent job failed; its lease will expire and it will be retried");
                    }
                }
            }
            Ok(_) => idle(&mut shutdown, poll, None).await,
            Err(e) => {
                tracing::warn!(error = %e, "claiming urgent jobs failed; retrying");
                idle(&mut shutdown, poll * 5, None).await;
            }
        }
    }
}

/// Waits for the poll interval, a shutdown, or (PostgreSQL) a newly enqueued job.
async fn idle(shutdown: &mut watch::Receiver<bool>, wait: Duration, wake: Option<&Notify>) {
    let woken = async {
        match wake {
            Some(n) => n.notified().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::time::sleep(wait) => {}
        _ = shutdown.changed() => {}
        _ = woken => {}
    }
}

/// Deliveries one worker has in flight at once. A claimed job waits for one of these
/// places before it starts; on shutdown the jobs still waiting are released at once rather
/// than delivered, so a stop takes about one delivery, not a whole batch.
const DELIVERIES_IN_FLIGHT: usize = 8;

/// Delivers a claimed batch concurrently, each job finished in its own short transaction.
async fn process_batch(
    services: &Services,
    options: &WorkerOptions,
    channels: &Arc<Channels>,
    batch: Vec<Job>,
    shutdown: &watch::Receiver<bool>,
) {
    let places = Arc::new(Semaphore::new(DELIVERIES_IN_FLIGHT));
    let mut running = tokio::task::JoinSet::new();
    for job in batch {
        let (s, c) = (services.clone(), channels.clone());
        let (base, places, stop) = (options.backoff_base, places.clone(), shutdown.clone());
        running.spawn(async move {
            // A job either starts (and is then delivered even if a stop comes) or, stopped
            // while waiting, goes back to the queue untried.
            let place = tokio::select! {
                biased;
                _ = stopped(stop) => None,
                place = places.acquire_owned() => place.ok(),
            };
            match place {
                Some(_place) => handle(s, c, job, base).await,
                None => {
                    release(&s, job).await;
                    Ok(())
                }
            }
        });
    }
    while let Some(outcome) = running.join_next().await {
        if let Ok(Err(e)) = outcome {
            tracing::warn!(error = %e, "finishing a job failed; its lease will expire and it will be retried");
        }
    }
}

/// One claimed job: held back for folding, or delivered and finished.
async fn handle(
    services: Services,
    channels: Arc<Channels>,
    job: Job,
    backoff_base: Duration,
) -> Result<(), CoreError> {
    let s = services.clone();
    let fold = blocking(move || folding::prepare(&s, job, Utc::now())).await?;
    let job = match fold {
        Fold::Send(job) => job,
        Fold::HoldUntil(job, until) => {
            return blocking(move || {
                let mut conn = services.db.get()?;
                let owner = job.lease_owner.clone().unwrap_or_default();
                jobs::defer(&mut conn, &job.id, &owner, until, Utc::now())?;
                Ok(())
            })
            .await;
        }
    };
    let started = std::time::Instant::now();
    let delivery = deliver(&services, &channels, &job).await;
    crate::metrics::record_send(&job.channel, &delivery, started.elapsed());
    blocking(move || finish(&services, &job, &delivery, backoff_base)).await
}

fn finish(
    services: &Services,
    job: &Job,
    delivery: &Delivery,
    backoff_base: Duration,
) -> Result<(), CoreError> {
    let owner = job.lease_owner.clone().unwrap_or_default();
    let now = Utc::now();
    let mut conn = services.db.get()?;
    write_tx(&mut conn, |c| {
        match delivery {
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
            Delivery::Failed {
                error,
                permanent,
                retry,
                progress,
            } => {
                let retry_at = now + retry_delay(job.attempts, backoff_base, *retry);
                tracing::warn!(job = %job.id, attempts = job.attempts, error = %error, "delivery failed");
                let progress = progress.as_deref();
                jobs::fail_with_progress(c, job, error, retry_at, *permanent, progress, now)?;
            }
        }
        Ok(())
    })
}

/// Resolves when the worker is told to stop (never, if the sender is gone).
async fn stopped(mut shutdown: watch::Receiver<bool>) {
    if shutdown.wait_for(|stop| *stop).await.is_err() {
        std::future::pending::<()>().await;
    }
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

/// The worker's backoff, or the provider's when it names one, and never sooner than the
/// provider asked (`Retry-After`).
fn retry_delay(attempts: i32, base: Duration, retry: Retry) -> chrono::Duration {
    let ours = backoff(attempts, retry.backoff_base.unwrap_or(base));
    let asked = retry
        .at_least
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .unwrap_or_else(chrono::Duration::zero);
    ours.max(asked)
}

/// Exponential backoff with jitter (so that jobs failed together do not retry together):
/// about `base`, 2 x `base`, 4 x `base`... capped at one hour.
pub fn backoff(attempts: i32, base: Duration) -> chrono::Duration {
    let exp = attempts.clamp(1, 11) as u32 - 1;
    let millis = (base.as_millis() as f64 * f64::from(1u32 << exp)).min(3_600_000.0);
    let jitter = rand::Rng::gen_range(&mut rand::thread_rng(), 0.5..1.5);
    // At most 1.5 hours in milliseconds (5.4e6), far inside `i64`.
    #[allow(clippy::cast_possible_truncation)]
    let millis = (millis * jitter) as i64;
    chrono::Duration::milliseconds(millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_an_hour() {
        let base = Duration::from_secs(5);
        for (attempts, expected_ms) in [(1, 5_000.0), (2, 10_000.0), (4, 40_000.0)] {
            let d = backoff(attempts, base).num_milliseconds() as f64;
            assert!(
                d >= expected_ms * 0.5 && d <= expected_ms * 1.5,
                "{attempts}: {d}"
            );
        }
        assert!(backoff(30, base).num_milliseconds() <= 5_400_000);
        assert!(backoff(30, base).num_milliseconds() >= 1_800_000);
    }
}
