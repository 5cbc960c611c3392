//! The api service: patient app endpoints under `/v1/app`, provider endpoints under
//! `/v1/hcp`, Office endpoints under `/v1/admin`. Handlers parse the request, call
//! `ehealth_core` off the async threads, and map the result.
//!
//! The plumbing every HTTP service shares (errors, health, metrics, extractors, the
//! server itself) is the `http_common` crate; `crate::http` names it here.

mod counter;
pub mod openapi;
mod openapi_contract;
mod passkey_demo;
mod routes;

use http_common as http;

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
