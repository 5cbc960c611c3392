//! `/.well-known/assetlinks.json` (Android) and `/.well-known/apple-app-site-association`
//! (iOS), from `webauthn.android_apps` / `webauthn.ios_apps`: the phone fetches them from
//! the relying party's domain before it lets a native app use that domain's passkeys.
//! Without configured apps they list none (a valid, empty statement, not a 404, so a
//! cached "no file" does not outlive the configuration).

use actix_web::{web, HttpResponse};
use ehealth_core::context::Services;
use serde_json::{json, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/assetlinks.json", web::get().to(assetlinks))
        .route(
            "/apple-app-site-association",
            web::get().to(apple_app_site_association),
        );
}

fn statement(body: Value) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .json(body)
}

async fn assetlinks(services: web::Data<Services>) -> HttpResponse {
    let apps: Vec<Value> = services
        .config
        .webauthn
        .android_apps
        .iter()
        .map(|app| {
            json!({
                "relation": [
                    "delegate_permission/common.handle_all_urls",
                    "delegate_permission/common.get_login_creds"
                ],
                "target": {
                    "namespace": "android_app",
                    "package_name": app.package_name,
                    "sha256_cert_fingerprints": app.sha256_cert_fingerprints,
                }
            })
        })
        .collect();
    statement(Value::Array(apps))
}

async fn apple_app_site_association(services: web::Data<Services>) -> HttpResponse {
    statement(json!({ "webcredentials": { "apps": services.config.webauthn.ios_apps } }))
}
