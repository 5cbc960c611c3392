//! `/healthz` (the process answers), `/readyz` (the database answers too) and `/metrics`.

use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use ehealth_core::context::Services;
use ehealth_core::CoreError;
use secrecy::ExposeSecret;
use serde_json::json;

use super::errors::{blocking, ApiError};
use super::metrics::{ExtraMetrics, HttpMetrics};

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
    http: web::Data<HttpMetrics>,
    extra: Option<web::Data<ExtraMetrics>>,
) -> HttpResponse {
    if !may_scrape(&services, &req) {
        return ApiError::Core(CoreError::unauthenticated(
            "unauthenticated",
            "send the metrics token: Authorization: Bearer <token>",
        ))
        .error_response();
    }
    let (connections, idle) = services.db.pool_state();
    let mut text = http.render();
    text.push_str(&format!(
        "# HELP ehealth_db_pool_connections Open database connections in the pool.\n\
         # TYPE ehealth_db_pool_connections gauge\n\
         ehealth_db_pool_connections{{service=\"{0}\"}} {connections}\n\
         # HELP ehealth_db_pool_idle Idle database connections in the pool.\n\
         # TYPE ehealth_db_pool_idle gauge\n\
         ehealth_db_pool_idle{{service=\"{0}\"}} {idle}\n",
        http.service()
    ));
    if let Some(extra) = extra {
        let (render, services) = (extra.0, services.clone());
        match blocking(move || render(&services)).await {
            Ok(lines) => text.push_str(&lines),
            Err(e) => tracing::warn!(error = %e, "extra metrics unavailable"),
        }
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(text)
}
