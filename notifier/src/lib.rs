//! The notifier: a worker that claims notification jobs from the database under a lease
//! and delivers them. With no provider credentials configured it delivers into a local
//! outbox folder, one file per message, so a first run shows what would have been sent.
//!
//! SMS goes through Twilio, email over SMTP, push through FCM HTTP v1, each when its
//! credentials are configured; post (and any unconfigured channel) goes to the outbox.

pub mod channels;
pub mod folding;
pub mod housekeeping;
pub mod jobs;
pub mod messages;
pub mod metrics;
pub mod outbox;
pub mod postal;
pub mod sequencer;
mod worker;

use std::net::TcpListener;

use actix_web::dev::Server;
use ehealth_core::context::Services;

pub use worker::{run, WorkerOptions};

/// The notifier's own health, readiness and metrics endpoints.
pub fn serve_http(services: Services, listener: TcpListener) -> std::io::Result<Server> {
    http_common::server(services, listener, "notifier", metrics::routes)
}
