//! `/healthz` (the process answers), `/readyz` (the database answers too) and `/metrics`.

use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use ehealth_core::context::Services;
use ehealth_core::CoreError;
use ehealth_core::ErrorCode;
use secrecy::ExposeSecret;
use serde_json::json;

use super::errors::{blocking, ApiError};
use ehealth_core::metrics::{gauges, metrics as process_metrics};

use super::metrics::{ScrapeGauges, ServiceName};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Not ready while the database is unreachable; ready again as soon as it answers.
async fn readyz(services: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    let db = services.db.clone();
    let backend = db.backend().name();
    blocking(move || db.ping()).await?;
    Ok(HttpResponse::Ok().json(json!({ "status": "ready", "database": backend })))
}

/// Whether `req` may read `/metrics`: always without a configured token, else only with
/// `Authorization: Bearer <token>` (compared in constant time).
fn may_scrape(services: &Services, req: &HttpRequest) -> bool {
    let Some(token) = &services.config.metrics.token else {
        return true;
    };
    let sent = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let want = token.expose_secret().as_bytes();
    sent.len() == want.len()
        && sent
            .bytes()
            .zip(want)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

async fn metrics(
    req: HttpRequest,
    services: web::Data<Services>,
    service: web::Data<ServiceName>,
    extra: Option<web::Data<ScrapeGauges>>,
) -> HttpResponse {
    if !may_scrape(&services, &req) {
        return ApiError::Core(CoreError::unauthenticated(
            ErrorCode::Unauthenticated,
            "send the metrics token: Authorization: Bearer <token>",
        ))
        .error_response();
    }
    let (connections, idle) = services.db.pool_state();
    let service = service.0;
    let mut families = gauges(
        "ehealth_db_pool_connections",
        "Open database connections in the pool.",
        "service",
        &[(service, f64::from(connections))],
    );
    families.extend(gauges(
        "ehealth_db_pool_idle",
        "Idle database connections in the pool.",
        "service",
        &[(service, f64::from(idle))],
    ));
    if let Some(extra) = extra {
        let (read, services) = (extra.0, services.clone());
        match blocking(move || read(&services)).await {
            Ok(more) => families.extend(more),
            Err(e) => tracing::warn!(error = %e, "extra metrics unavailable"),
        }
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .insert_header(("Cache-Control", "no-store"))
        .body(process_metrics().render(families))
}
