//! The ivr service: the 24-hour voice line. It answers Twilio Voice webhooks under `/ivr`
//! with TwiML, and takes Twilio's call-status and SMS delivery callbacks. Every request
//! must carry a valid `X-Twilio-Signature`. It shares the api's HTTP plumbing (health,
//! readiness, metrics).

pub mod flow;
mod routes;
pub mod signature;
pub mod texts;
pub mod twiml;
pub mod webhook;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::web;
use ehealth_core::context::Services;

pub fn serve(services: Services, listener: TcpListener) -> std::io::Result<Server> {
    http_common::server(services, listener, "ivr", routes)
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/ivr/voice", web::post().to(routes::voice::start))
        .route("/ivr/voice/{step}", web::post().to(routes::voice::step))
        .route("/ivr/status", web::post().to(routes::status::call))
        .route("/ivr/sms-status", web::post().to(routes::status::sms));
}
