//! `/healthz` (the process answers), `/readyz` (the database answers too) and `/metrics`.

use actix_web::{web, HttpResponse};
use ehealth_core::context::Services;
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

async fn metrics(
    services: web::Data<Services>,
    http: web::Data<HttpMetrics>,
    extra: Option<web::Data<ExtraMetrics>>,
) -> HttpResponse {
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
