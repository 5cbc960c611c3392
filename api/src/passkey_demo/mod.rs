//! `/passkey-demo` (issue 19, development mode only): a small page that enrols a passkey
//! and signs in with it through the browser's own WebAuthn and the real `/v1/app` calls,
//! as the reference for the app teams (docs/patient-app.md) and for the headless-Chromium
//! test (scripts/passkey-browser-test.sh). In production mode it answers 404.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use ehealth_core::config::Mode;
use ehealth_core::context::Services;
use ehealth_core::CoreError;

use crate::http::errors::ApiError;

const PAGE: &str = include_str!("page.html");
const SCRIPT: &str = include_str!("page.js");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(page))
        .route("/", web::get().to(page))
        .route("/page.js", web::get().to(script));
}

fn development_only(services: &Services) -> Result<(), ApiError> {
    match services.config.mode {
        Mode::Development => Ok(()),
        Mode::Production => Err(CoreError::NotFound("page").into()),
    }
}

fn asset(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'",
        ))
        .insert_header(("X-Frame-Options", "DENY"))
        .body(body)
}

async fn page(services: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    development_only(&services)?;
    Ok(asset("text/html; charset=utf-8", PAGE))
}

async fn script(services: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    development_only(&services)?;
    Ok(asset("text/javascript; charset=utf-8", SCRIPT))
}
