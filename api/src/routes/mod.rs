//! Routes by area: `routes/<area>/<verb>.rs`. The patient app, counter and Office
//! endpoints are added by their issues; the foundation serves health and metrics only.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
