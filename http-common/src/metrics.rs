//! One span, one log line and one metric sample per request (issue 17). The span carries
//! a request id (the load balancer's `x-request-id` when it is a sane one, else ours),
//! returned in `x-request-id` so a patient's or clinic's report can be found in the log.
//! Only the route *pattern* is recorded, never the path or the query string: paths hold
//! identifiers and some query strings hold tokens.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage};
use ehealth_core::metrics::{method_label, metrics};
use tracing::Instrument;

pub use ehealth_core::metrics::ScrapeGauges;

#[derive(Debug, Clone, Copy)]
pub struct ServiceName(pub &'static str);

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of one request, in its span, its log lines and its answer's `x-request-id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// The incoming `x-request-id` if it is 1-64 characters of letters, digits, `-`, `_`
    /// and `.` (what load balancers send; nothing that could forge a log line), else a
    /// new random one.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        headers
            .get(&REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .filter(|v| Self::is_sane(v))
            .map_or_else(
                || Self(uuid::Uuid::new_v4().simple().to_string()),
                |v| Self(v.to_owned()),
            )
    }

    fn is_sane(v: &str) -> bool {
        (1..=64).contains(&v.len())
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Routes that are polled (probes, scrapes): logged at debug, not info.
fn is_probe(route: &str) -> bool {
    matches!(route, "/healthz" | "/readyz" | "/metrics")
}

/// Middleware around the whole app: `.wrap(from_fn(observe))`.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let service = req
        .app_data::<web::Data<ServiceName>>()
        .map_or("unknown", |s| s.0);
    let request_id = RequestId::from_headers(req.headers());
    let method = method_label(req.method().as_str());
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let span = tracing::info_span!(
        "request",
        service,
        request_id = request_id.as_str(),
        method,
        route = route.as_str()
    );
    req.extensions_mut().insert(request_id.clone());
    let result = next.call(req).instrument(span.clone()).await;
    let status = match &result {
        Ok(response) => response.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    let secs = started.elapsed().as_secs_f64();
    metrics().http_request(service, method, &route, status.as_u16(), secs);
    let (status, millis) = (status.as_u16(), whole_millis(secs));
    span.in_scope(|| {
        if is_probe(&route) {
            tracing::debug!(status, millis, "answered");
        } else {
            tracing::info!(status, millis, "answered");
        }
    });
    let mut response = result?;
    if let Ok(value) = HeaderValue::from_str(request_id.as_str()) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(response)
}

/// A duration in whole milliseconds for the log line.
// A float-to-integer `as` saturates (NaN is 0), and an elapsed time is never negative:
// nothing is cut short that a log reader would miss.
#[allow(clippy::cast_possible_truncation)]
fn whole_millis(secs: f64) -> u64 {
    (secs * 1e3).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id_of(value: &str) -> String {
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(REQUEST_ID, v);
        }
        RequestId::from_headers(&headers).0
    }

    #[test]
    fn a_sane_incoming_request_id_is_kept_and_anything_else_replaced() {
        assert_eq!(id_of("lb-1a2b.3c_4"), "lb-1a2b.3c_4");
        for bad in ["", "a b", "x\"y", &"a".repeat(65), "id=1;drop"] {
            let made = id_of(bad);
            assert_ne!(made, bad);
            assert_eq!(made.len(), 32, "a fresh uuid in place of {bad:?}");
        }
        assert_ne!(id_of(""), id_of(""), "each made id is new");
    }
}
