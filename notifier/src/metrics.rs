//! Queue metrics in the Prometheus text format, added to the service's `/metrics`: what waits and what
//! died (read from the database, so every notifier process reports the same queue), and
//! what this process attempted, failed and how long sends took.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::web;
use chrono::Utc;
use ehealth_api::http::metrics::ExtraMetrics;
use ehealth_core::context::Services;
use ehealth_core::db::jobs;
use ehealth_core::domain::Channel;

use crate::channels::sms::SmsEncoding;
use crate::jobs::Delivery;

const CHANNELS: [Channel; 4] = [Channel::Sms, Channel::Email, Channel::Push, Channel::Post];
/// Upper bounds of the send-latency buckets, in seconds.
const BUCKETS: [f64; 8] = [0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0];

struct ChannelCounters {
    attempts: AtomicU64,
    failures: AtomicU64,
    latency_buckets: [AtomicU64; BUCKETS.len()],
    latency_micros: AtomicU64,
}

#[allow(clippy::declare_interior_mutable_const)]
const ZERO: ChannelCounters = ChannelCounters {
    attempts: AtomicU64::new(0),
    failures: AtomicU64::new(0),
    latency_buckets: [const { AtomicU64::new(0) }; BUCKETS.len()],
    latency_micros: AtomicU64::new(0),
};

static COUNTERS: [ChannelCounters; 4] = [ZERO, ZERO, ZERO, ZERO];
/// SMS segments handed to Twilio (what is billed): GSM-7, UCS-2.
static SMS_SEGMENTS: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];

pub fn record_sms_segments(encoding: SmsEncoding, parts: usize) {
    let i = usize::from(encoding == SmsEncoding::Ucs2);
    SMS_SEGMENTS[i].fetch_add(parts as u64, Ordering::Relaxed);
}

fn index(channel: &str) -> Option<usize> {
    CHANNELS.iter().position(|c| c.as_str() == channel)
}

/// Counts one delivery attempt of this process.
pub fn record_send(channel: &str, delivery: &Delivery, took: Duration) {
    let Some(c) = index(channel).map(|i| &COUNTERS[i]) else {
        return;
    };
    c.attempts.fetch_add(1, Ordering::Relaxed);
    if matches!(delivery, Delivery::Failed { .. }) {
        c.failures.fetch_add(1, Ordering::Relaxed);
    }
    let secs = took.as_secs_f64();
    for (bound, bucket) in BUCKETS.iter().zip(&c.latency_buckets) {
        if secs <= *bound {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
    }
    c.latency_micros
        .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
}

/// Adds the queue metrics to the service's `/metrics`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::Data::new(ExtraMetrics(render_from_database)));
}

fn render_from_database(services: &Services) -> Result<String, ehealth_core::CoreError> {
    let mut conn = services.db.get()?;
    Ok(render(&jobs::stats(&mut conn)?))
}

fn gauge(out: &mut String, name: &str, help: &str, kind: &str) {
    out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
}

fn per_channel(out: &mut String, name: &str, rows: &[(String, i64)]) {
    for c in CHANNELS {
        let n = rows
            .iter()
            .find(|(ch, _)| ch == c.as_str())
            .map_or(0, |r| r.1);
        out.push_str(&format!("{name}{{channel=\"{c}\"}} {n}\n"));
    }
}

pub fn render(stats: &jobs::QueueStats) -> String {
    let mut out = String::new();
    gauge(
        &mut out,
        "ehealth_notifier_queue_depth",
        "Jobs waiting or being delivered.",
        "gauge",
    );
    per_channel(
        &mut out,
        "ehealth_notifier_queue_depth",
        &stats.waiting_by_channel,
    );
    gauge(
        &mut out,
        "ehealth_notifier_dead_jobs",
        "Jobs that ran out of attempts.",
        "gauge",
    );
    per_channel(
        &mut out,
        "ehealth_notifier_dead_jobs",
        &stats.dead_by_channel,
    );
    let age = stats.oldest_waiting.map_or(0.0, |t| {
        (Utc::now().naive_utc() - t).num_milliseconds().max(0) as f64 / 1e3
    });
    gauge(
        &mut out,
        "ehealth_notifier_oldest_waiting_seconds",
        "Age of the oldest waiting job.",
        "gauge",
    );
    out.push_str(&format!(
        "ehealth_notifier_oldest_waiting_seconds {age:.3}\n"
    ));
    render_counters(&mut out);
    out
}

fn render_counters(out: &mut String) {
    let name = "ehealth_notifier_sms_segments_total";
    gauge(out, name, "SMS segments sent, by encoding.", "counter");
    for (encoding, n) in ["gsm7", "ucs2"].iter().zip(&SMS_SEGMENTS) {
        let n = n.load(Ordering::Relaxed);
        out.push_str(&format!("{name}{{encoding=\"{encoding}\"}} {n}\n"));
    }
    gauge(
        out,
        "ehealth_notifier_attempts_total",
        "Delivery attempts by this process.",
        "counter",
    );
    for (c, k) in CHANNELS.iter().zip(&COUNTERS) {
        let n = k.attempts.load(Ordering::Relaxed);
        out.push_str(&format!(
            "ehealth_notifier_attempts_total{{channel=\"{c}\"}} {n}\n"
        ));
    }
    gauge(
        out,
        "ehealth_notifier_failures_total",
        "Failed delivery attempts by this process.",
        "counter",
    );
    for (c, k) in CHANNELS.iter().zip(&COUNTERS) {
        let n = k.failures.load(Ordering::Relaxed);
        out.push_str(&format!(
            "ehealth_notifier_failures_total{{channel=\"{c}\"}} {n}\n"
        ));
    }
    let name = "ehealth_notifier_send_seconds";
    gauge(
        out,
        name,
        "Time to hand a message to its provider.",
        "histogram",
    );
    for (c, k) in CHANNELS.iter().zip(&COUNTERS) {
        for (bound, bucket) in BUCKETS.iter().zip(&k.latency_buckets) {
            let n = bucket.load(Ordering::Relaxed);
            out.push_str(&format!(
                "{name}_bucket{{channel=\"{c}\",le=\"{bound}\"}} {n}\n"
            ));
        }
        let count = k.attempts.load(Ordering::Relaxed);
        let sum = k.latency_micros.load(Ordering::Relaxed) as f64 / 1e6;
        out.push_str(&format!(
            "{name}_bucket{{channel=\"{c}\",le=\"+Inf\"}} {count}\n"
        ));
        out.push_str(&format!(
            "{name}_sum{{channel=\"{c}\"}} {sum:.6}\n{name}_count{{channel=\"{c}\"}} {count}\n"
        ));
    }
}
