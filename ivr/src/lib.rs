//! The ivr service: answers Twilio Voice webhooks under `/ivr`. It shares the api's HTTP
//! plumbing (JSON errors, health, readiness, metrics). The call flow is added by the
//! voice-line issue; the foundation serves health and metrics only.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::web;
use ehealth_core::context::Services;

pub fn serve(services: Services, listener: TcpListener) -> std::io::Result<Server> {
    ehealth_api::http::server(services, listener, "ivr", routes)
}

fn routes(_cfg: &mut web::ServiceConfig) {}
