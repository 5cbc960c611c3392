//! The HTTP plumbing every service of the platform shares (api, ivr, notifier): the
//! server builder, JSON errors, the bearer and staff-session extractors, health, metrics,
//! input checks and the request bodies more than one service's routes read. Services
//! depend on this crate, never on each other.

pub mod auth;
pub mod body;
pub mod client;
pub mod errors;
pub mod headers;
pub mod health;
pub mod metrics;
pub mod staff;
pub mod text_input;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use ehealth_core::context::Services;

use self::metrics::ServiceName;

/// An HTTP service of the platform: shared error handling, health, readiness and metrics,
/// plus the routes `configure` adds. Stops gracefully on SIGTERM / SIGINT, letting
/// requests in flight finish (up to 30 s).
pub fn server(
    services: Services,
    listener: TcpListener,
    name: &'static str,
    configure: fn(&mut web::ServiceConfig),
) -> std::io::Result<Server> {
    // A serving process wakes idle notifier workers after its commits (`job_wakeup`).
    ehealth_core::db::job_wakeup::allow_senders();
    let name = web::Data::new(ServiceName(name));
    let services = web::Data::new(services);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(services.clone())
            .app_data(name.clone())
            .app_data(errors::json_config())
            .app_data(errors::path_config())
            .app_data(errors::query_config())
            .wrap(from_fn(headers::security_headers))
            .wrap(from_fn(metrics::observe))
            .configure(health::routes)
            .configure(configure)
            .default_service(web::to(errors::not_found))
    })
    .listen(listener)?
    .shutdown_timeout(30)
    .run();
    Ok(server)
}
