//! `/v1/hcp`: the provider counter (issue 4).

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
