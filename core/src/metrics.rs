//! The process's metrics, kept by the `prometheus` crate in one registry per process
//! (issue 17). Counters and histograms live here, recorded where things happen (a
//! request answered, an audit entry written, a scope locked, a call taken, a batch
//! sequenced); values read from the database at each scrape (queue depth, pool state)
//! are built per scrape with [`gauges`], so that two scrapes never see each other's
//! readings. Every metric named in docs/monitoring.md is exported (a test checks it).

use std::sync::LazyLock;

use prometheus::core::Collector;
pub use prometheus::proto::MetricFamily;
use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
    Registry, TextEncoder,
};

use crate::context::Services;
use crate::CoreResult;

/// Metric families a service adds to its `/metrics`, read at each scrape (they may read
/// the database, so they are run off the async threads). Registered as app data by the
/// routes of the service that owns them (the notifier's queue).
#[derive(Clone, Copy)]
pub struct ScrapeGauges(pub fn(&Services) -> CoreResult<Vec<MetricFamily>>);

/// Upper bounds (seconds) of the request-duration histogram's buckets.
const HTTP_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Upper bounds of the notifier's send-latency buckets, in seconds.
const SEND_BUCKETS: [f64; 8] = [0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0];

/// Every series this process records.
pub struct Metrics {
    registry: Registry,
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    pub audit_entries: IntCounterVec,
    pub lockouts: IntCounterVec,
    pub ivr_calls: IntCounter,
    pub ivr_voice_failures: IntCounter,
    pub ivr_webhooks_refused: IntCounter,
    pub hash_pool_refusals: IntCounter,
    pub sequenced_entries: IntCounter,
    pub sequencer_failures: IntCounter,
    pub audit_tree_size: IntGauge,
    pub sequencer_last_success: IntGauge,
    pub notifier_attempts: IntCounterVec,
    pub notifier_failures: IntCounterVec,
    pub notifier_send_seconds: HistogramVec,
    pub sms_segments: IntCounterVec,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    &METRICS
}

impl Metrics {
    // The names and labels below are constants: a bad one fails the unit test below on
    // every build, never a running process with different input.
    #[allow(clippy::expect_used)]
    fn new() -> Self {
        let registry = Registry::new();
        fn counter(r: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
            let c = IntCounterVec::new(Opts::new(name, help), labels).expect("counter");
            r.register(Box::new(c.clone())).expect("unique name");
            c
        }
        fn single(r: &Registry, name: &str, help: &str) -> IntCounter {
            let c = IntCounter::new(name, help).expect("counter");
            r.register(Box::new(c.clone())).expect("unique name");
            c
        }
        fn gauge(r: &Registry, name: &str, help: &str) -> IntGauge {
            let g = IntGauge::new(name, help).expect("gauge");
            r.register(Box::new(g.clone())).expect("unique name");
            g
        }
        fn histogram(
            r: &Registry,
            name: &str,
            help: &str,
            labels: &[&str],
            buckets: &[f64],
        ) -> HistogramVec {
            let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
            let h = HistogramVec::new(opts, labels).expect("histogram");
            r.register(Box::new(h.clone())).expect("unique name");
            h
        }
        let r = &registry;
        let route = &["service", "method", "route", "status"];
        Self {
            http_requests: counter(
                r,
                "ehealth_http_requests_total",
                "HTTP requests answered, by route pattern and status.",
                route,
            ),
            http_duration: histogram(
                r,
                "ehealth_http_request_duration_seconds",
                "How long requests took to answer (to the response head).",
                route,
                &HTTP_BUCKETS,
            ),
            audit_entries: counter(
                r,
                "ehealth_audit_entries_total",
                "Audit entries written (in transactions that may still roll back).",
                &["action", "outcome"],
            ),
            lockouts: counter(
                r,
                "ehealth_lockouts_total",
                "Scopes locked or throttled by wrong tries or too many requests, by kind.",
                &["scope"],
            ),
            ivr_calls: single(r, "ehealth_ivr_calls_total", "Calls answered."),
            ivr_voice_failures: single(
                r,
                "ehealth_ivr_voice_failures_total",
                "Voice steps that failed; the caller heard an apology.",
            ),
            ivr_webhooks_refused: single(
                r,
                "ehealth_ivr_webhooks_refused_total",
                "Webhooks refused for a missing or wrong Twilio signature.",
            ),
            hash_pool_refusals: single(
                r,
                "ehealth_hash_pool_refusals_total",
                "Places in the Argon2 pool refused because every thread and queue place was taken; the request was answered busy.",
            ),
            sequenced_entries: single(
                r,
                "ehealth_audit_sequenced_entries_total",
                "Audit entries integrated into the verifiable log by this process.",
            ),
            sequencer_failures: single(
                r,
                "ehealth_audit_sequencer_failures_total",
                "Sequencer batches that failed (retried).",
            ),
            audit_tree_size: gauge(
                r,
                "ehealth_audit_tree_size",
                "Size of the log tree after this process's last batch.",
            ),
            sequencer_last_success: gauge(
                r,
                "ehealth_audit_sequencer_last_success_timestamp_seconds",
                "When this process's sequencer last committed a batch (Unix time).",
            ),
            notifier_attempts: counter(
                r,
                "ehealth_notifier_attempts_total",
                "Delivery attempts by this process.",
                &["channel"],
            ),
            notifier_failures: counter(
                r,
                "ehealth_notifier_failures_total",
                "Failed delivery attempts by this process.",
                &["channel"],
            ),
            notifier_send_seconds: histogram(
                r,
                "ehealth_notifier_send_seconds",
                "Time to hand a message to its provider.",
                &["channel"],
                &SEND_BUCKETS,
            ),
            sms_segments: counter(
                r,
                "ehealth_notifier_sms_segments_total",
                "SMS segments sent, by encoding.",
                &["encoding"],
            ),
            registry,
        }
    }

    /// One answered request. `route` is the pattern (`/v1/patients/{id}`), never the
    /// path, so identifiers do not become labels.
    pub fn http_request(&self, service: &str, method: &str, route: &str, status: u16, secs: f64) {
        let status = status.to_string();
        let labels = [service, method, route, status.as_str()];
        self.http_requests.with_label_values(&labels).inc();
        self.http_duration.with_label_values(&labels).observe(secs);
    }

    /// The label of a lockout scope is its kind (`account`, `caller`, ...): the part
    /// before the first `:`, never the identifier after it.
    pub fn lockout(&self, scope: &str) {
        let kind = scope.split(':').next().unwrap_or("other");
        self.lockouts.with_label_values(&[kind]).inc();
    }

    /// The names of every family registered (a labelled family is exported from its
    /// first sample on).
    pub fn names(&self) -> Vec<String> {
        let collectors: [&dyn Collector; 16] = [
            &self.http_requests,
            &self.http_duration,
            &self.audit_entries,
            &self.lockouts,
            &self.ivr_calls,
            &self.ivr_voice_failures,
            &self.ivr_webhooks_refused,
            &self.hash_pool_refusals,
            &self.sequenced_entries,
            &self.sequencer_failures,
            &self.audit_tree_size,
            &self.sequencer_last_success,
            &self.notifier_attempts,
            &self.notifier_failures,
            &self.notifier_send_seconds,
            &self.sms_segments,
        ];
        let mut names: Vec<String> = collectors
            .iter()
            .flat_map(|c| c.desc())
            .map(|d| d.fq_name.clone())
            .collect();
        names.sort();
        names
    }

    /// The text format of everything recorded plus `extra` (built at this scrape).
    pub fn render(&self, extra: Vec<MetricFamily>) -> String {
        let mut families = self.registry.gather();
        families.extend(extra);
        families.sort_by(|a, b| a.name().cmp(b.name()));
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&families, &mut out) {
            tracing::warn!(error = %e, "metrics could not be encoded");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// One gauge family read at a scrape: `name{label="value"} n` for each of `values`.
pub fn gauges(name: &str, help: &str, label: &str, values: &[(&str, f64)]) -> Vec<MetricFamily> {
    let Ok(g) = GaugeVec::new(Opts::new(name, help), &[label]) else {
        return Vec::new();
    };
    for (value, n) in values {
        g.with_label_values(&[value]).set(*n);
    }
    g.collect()
}

/// A gauge without labels read at a scrape.
pub fn gauge(name: &str, help: &str, value: f64) -> Vec<MetricFamily> {
    let Ok(g) = prometheus::Gauge::new(name, help) else {
        return Vec::new();
    };
    g.set(value);
    g.collect()
}

/// The HTTP method as a label: the standard ones by name, anything else `other`, so a
/// client cannot add label values.
pub fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_series_registers_and_renders() {
        let m = Metrics::new();
        m.http_request("api", "GET", "/v1/patients/{id}", 200, 0.003);
        m.http_request("api", "GET", "/v1/patients/{id}", 200, 0.08);
        m.http_request("api", "GET", "unmatched", 404, 30.0);
        m.lockout("caller:+85291234567");
        let text = m.render(gauges("ehealth_x", "x", "channel", &[("sms", 2.0)]));
        let route = "method=\"GET\",route=\"/v1/patients/{id}\",service=\"api\",status=\"200\"";
        assert!(
            text.contains(&format!("ehealth_http_requests_total{{{route}}} 2")),
            "{text}"
        );
        let bucket = |le: &str| {
            format!("ehealth_http_request_duration_seconds_bucket{{{route},le=\"{le}\"}}")
        };
        assert!(text.contains(&format!("{} 1", bucket("0.005"))), "{text}");
        assert!(text.contains(&format!("{} 2", bucket("0.1"))), "{text}");
        assert!(
            text.contains("ehealth_lockouts_total{scope=\"caller\"} 1"),
            "{text}"
        );
        assert!(!text.contains("91234567"), "no identifier becomes a label");
        assert!(text.contains("ehealth_x{channel=\"sms\"} 2"), "{text}");
    }
}
