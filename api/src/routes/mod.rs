//! Routes by area: `routes/<area>/<verb>.rs`.

pub(crate) mod admin;
pub(crate) mod app;
pub(crate) mod hcp;
pub(crate) mod log;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(crate::openapi::serve));
    cfg.service(web::scope("/v1/app").configure(app::configure))
        .service(web::scope("/v1/hcp").configure(hcp::configure))
        .service(web::scope("/v1/admin").configure(admin::configure))
        .service(web::scope("/v1/log").configure(log::configure))
        .service(web::scope("/counter").configure(crate::counter::configure));
}
