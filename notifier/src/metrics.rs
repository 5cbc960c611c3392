//! The notifier's metrics: what waits and what died (read from the database at each
//! scrape, so every notifier process reports the same queue), and what this process
//! attempted, failed and how long sends took (counters in the process's registry,
//! `ehealth_core::metrics`).

use std::time::Duration;

use actix_web::web;
use chrono::Utc;
use ehealth_core::context::Services;
use ehealth_core::db::{audit_tree, jobs};
use ehealth_core::domain::Channel;
use ehealth_core::metrics::{gauge, gauges, metrics, MetricFamily, ScrapeGauges};

use crate::channels::sms::SmsEncoding;
use crate::jobs::Delivery;

const CHANNELS: [Channel; 4] = [Channel::Sms, Channel::Email, Channel::Push, Channel::Post];

pub fn record_sms_segments(encoding: SmsEncoding, parts: usize) {
    let label = match encoding {
        SmsEncoding::Ucs2 => "ucs2",
        SmsEncoding::Gsm7 => "gsm7",
    };
    metrics()
        .sms_segments
        .with_label_values(&[label])
        .inc_by(parts as u64);
}

/// Counts one delivery attempt of this process.
pub fn record_send(channel: &str, delivery: &Delivery, took: Duration) {
    let Some(channel) = CHANNELS.iter().find(|c| c.as_str() == channel) else {
        return;
    };
    let m = metrics();
    let label = [channel.as_str()];
    m.notifier_attempts.with_label_values(&label).inc();
    if matches!(delivery, Delivery::Failed { .. }) {
        m.notifier_failures.with_label_values(&label).inc();
    }
    m.notifier_send_seconds
        .with_label_values(&label)
        .observe(took.as_secs_f64());
}

/// Every channel's counters at 0 from the start, so a rate over a quiet channel is 0,
/// not absent.
pub fn register_channels() {
    let m = metrics();
    for c in CHANNELS {
        let label = [c.as_str()];
        m.notifier_attempts.with_label_values(&label);
        m.notifier_failures.with_label_values(&label);
        m.notifier_send_seconds.with_label_values(&label);
    }
    for encoding in ["gsm7", "ucs2"] {
        m.sms_segments.with_label_values(&[encoding]);
    }
}

/// Adds the queue metrics to the service's `/metrics`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    register_channels();
    cfg.app_data(web::Data::new(ScrapeGauges(read_from_database)));
}

fn read_from_database(services: &Services) -> ehealth_core::CoreResult<Vec<MetricFamily>> {
    let mut conn = services.db.get()?;
    let stats = jobs::stats(&mut conn)?;
    let pending = audit_tree::pending_count(&mut conn)?;
    Ok(families(&stats, pending))
}

fn per_channel(rows: &[(String, i64)]) -> Vec<(&'static str, f64)> {
    CHANNELS
        .iter()
        .map(|c| {
            let n = rows
                .iter()
                .find(|(ch, _)| ch == c.as_str())
                .map_or(0, |r| r.1);
            (c.as_str(), n as f64)
        })
        .collect()
}

pub fn families(stats: &jobs::QueueStats, audit_pending: i64) -> Vec<MetricFamily> {
    let age = stats.oldest_waiting.map_or(0.0, |t| {
        (Utc::now().naive_utc() - t).num_milliseconds().max(0) as f64 / 1e3
    });
    let mut out = gauges(
        "ehealth_notifier_queue_depth",
        "Jobs waiting or being delivered.",
        "channel",
        &per_channel(&stats.waiting_by_channel),
    );
    out.extend(gauges(
        "ehealth_notifier_dead_jobs",
        "Jobs that ran out of attempts.",
        "channel",
        &per_channel(&stats.dead_by_channel),
    ));
    out.extend(gauge(
        "ehealth_notifier_oldest_waiting_seconds",
        "Age of the oldest waiting job.",
        age,
    ));
    out.extend(gauge(
        "ehealth_audit_pending_entries",
        "Audit entries written but not yet integrated into the verifiable log.",
        audit_pending as f64,
    ));
    out
}
