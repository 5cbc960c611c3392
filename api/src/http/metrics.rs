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

/// Requests by status class, and their total time.
pub struct HttpMetrics {
    service: ServiceName,
    by_class: [AtomicU64; 5],
    micros_total: AtomicU64,
}

impl HttpMetrics {
    pub fn new(service: ServiceName) -> Self {
        Self {
            service,
            by_class: Default::default(),
            micros_total: AtomicU64::new(0),
        }
    }

    pub fn service(&self) -> &'static str {
        self.service.0
    }

    fn record(&self, status: u16, micros: u64) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        self.micros_total.fetch_add(micros, Ordering::Relaxed);
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
