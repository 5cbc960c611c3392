//! Request counters in the Prometheus text format. Kept by hand: a handful of counters
//! does not justify a metrics framework.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error};

/// Lines a service adds to its `/metrics`, rendered off the async threads (they may read
/// the database). Registered as app data by the service's routes.
#[derive(Clone, Copy)]
pub struct ExtraMetrics(
    pub fn(&ehealth_core::context::Services) -> Result<String, ehealth_core::CoreError>,
);

#[derive(Debug, Clone, Copy)]
pub struct ServiceName(pub &'static str);

/// Upper bounds (seconds) of the request-duration histogram's buckets.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Requests by status class, their total time, and a histogram of their durations.
pub struct HttpMetrics {
    service: ServiceName,
    by_class: [AtomicU64; 5],
    micros_total: AtomicU64,
    /// Requests that took at most `BUCKETS[i]` (not cumulative; summed when rendered).
    by_bucket: [AtomicU64; BUCKETS.len()],
}

impl HttpMetrics {
    pub fn new(service: ServiceName) -> Self {
        Self {
            service,
            by_class: Default::default(),
            micros_total: AtomicU64::new(0),
            by_bucket: Default::default(),
        }
    }

    pub fn service(&self) -> &'static str {
        self.service.0
    }

    fn record(&self, status: u16, micros: u64) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        self.micros_total.fetch_add(micros, Ordering::Relaxed);
        let seconds = micros as f64 / 1e6;
        if let Some(i) = BUCKETS.iter().position(|&le| seconds <= le) {
            self.by_bucket[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn render(&self) -> String {
        let service = self.service.0;
        let mut out = String::from(
            "# HELP ehealth_http_requests_total HTTP requests answered, by status class.\n\
             # TYPE ehealth_http_requests_total counter\n",
        );
        for (i, counter) in self.by_class.iter().enumerate() {
            out.push_str(&format!(
                "ehealth_http_requests_total{{service=\"{service}\",class=\"{}xx\"}} {}\n",
                i + 1,
                counter.load(Ordering::Relaxed)
            ));
        }
        out.push_str(&format!(
            "# HELP ehealth_http_request_seconds_total Time spent answering requests.\n\
             # TYPE ehealth_http_request_seconds_total counter\n\
             ehealth_http_request_seconds_total{{service=\"{service}\"}} {:.6}\n",
            self.micros_total.load(Ordering::Relaxed) as f64 / 1e6
        ));
        out.push_str(
            "# HELP ehealth_http_request_duration_seconds How long requests took to answer.\n\
             # TYPE ehealth_http_request_duration_seconds histogram\n",
        );
        let mut cumulative = 0;
        for (le, count) in BUCKETS.iter().zip(&self.by_bucket) {
            cumulative += count.load(Ordering::Relaxed);
            out.push_str(&format!(
                "ehealth_http_request_duration_seconds_bucket{{service=\"{service}\",le=\"{le}\"}} {cumulative}\n"
            ));
        }
        let total: u64 = self
            .by_class
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .sum();
        out.push_str(&format!(
            "ehealth_http_request_duration_seconds_bucket{{service=\"{service}\",le=\"+Inf\"}} {total}\n\
             ehealth_http_request_duration_seconds_sum{{service=\"{service}\"}} {:.6}\n\
             ehealth_http_request_duration_seconds_count{{service=\"{service}\"}} {total}\n",
            self.micros_total.load(Ordering::Relaxed) as f64 / 1e6
        ));
        out
    }
}

/// Middleware counting every answer of the app it wraps: `.wrap(from_fn(record))`.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<HttpMetrics>>().cloned();
    let response = next.call(req).await?;
    if let Some(m) = metrics {
        m.record(
            response.status().as_u16(),
            started.elapsed().as_micros() as u64,
        );
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_land_in_cumulative_buckets() {
        let m = HttpMetrics::new(ServiceName("api"));
        m.record(200, 3_000); // 3 ms
        m.record(200, 80_000); // 80 ms
        m.record(503, 30_000_000); // 30 s: beyond the last bound
        let text = m.render();
        let bucket = |le: &str| {
            let key = format!(
                "ehealth_http_request_duration_seconds_bucket{{service=\"api\",le=\"{le}\"}} "
            );
            text.lines()
                .find_map(|l| l.strip_prefix(&key))
                .unwrap_or_else(|| panic!("no bucket {le} in\n{text}"))
                .to_owned()
        };
        assert_eq!(bucket("0.005"), "1");
        assert_eq!(bucket("0.05"), "1");
        assert_eq!(bucket("0.1"), "2");
        assert_eq!(bucket("10"), "2");
        assert_eq!(bucket("+Inf"), "3");
        assert!(text.contains("ehealth_http_request_duration_seconds_count{service=\"api\"} 3"));
        assert!(text.contains("ehealth_http_requests_total{service=\"api\",class=\"5xx\"} 1"));
    }
}
