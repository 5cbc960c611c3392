//! `/v1/app`: the patient app (issue 3).

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
