//! `/v1/admin`: the eHR Registration Office (issue 4).

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
