//! Routes by area: `routes/<area>/<verb>.rs`.

mod admin;
mod app;
mod hcp;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/v1/app").configure(app::configure))
        .service(web::scope("/v1/hcp").configure(hcp::configure))
        .service(web::scope("/v1/admin").configure(admin::configure));
}
