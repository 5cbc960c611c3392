//! The api service: patient app endpoints under `/v1/app`, provider endpoints under
//! `/v1/hcp`, Office endpoints under `/v1/admin`. Handlers parse the request, call
//! `ehealth_core` off the async threads, and map the result.
//!
//! `http` holds the plumbing every HTTP service of the platform shares (errors, health,
//! metrics, the server itself), so that the ivr and notifier answer the same way.

mod counter;
pub mod http;
pub mod openapi;
mod openapi_contract;
mod passkey_demo;
mod routes;

use std::net::TcpListener;

use actix_web::dev::Server;
use ehealth_core::context::Services;

/// Binds and starts the api on `listener` (port 0 in tests).
pub fn serve(services: Services, listener: TcpListener) -> std::io::Result<Server> {
    http::server(services, listener, "api", routes::configure)
}

/// The api's routes, for a process that adds more (`ehealth serve` adds the notifier's
/// queue metrics to the api's `/metrics`).
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    routes::configure(cfg);
}
