//! Routes by area: `routes/<area>/<verb>.rs`.

pub(crate) mod admin;
pub(crate) mod app;
pub(crate) mod consent_item;
pub(crate) mod hcp;
pub(crate) mod log;
mod well_known;

use actix_web::middleware::from_fn;
use actix_web::web;

use crate::http::text_input::refuse_control_characters as text_check;

/// Every scope's input passes `text_input`'s one check before any handler runs.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(crate::openapi::serve))
        .app_data(web::Data::new(crate::http::errors::AllowedMethods(
            crate::openapi_contract::allowed_methods,
        )));
    cfg.service(
        web::scope("/v1/app")
            .wrap(from_fn(text_check))
            .configure(app::configure),
    )
    .service(
        web::scope("/v1/hcp")
            .wrap(from_fn(text_check))
            .configure(hcp::configure),
    )
    .service(
        web::scope("/v1/admin")
            .wrap(from_fn(text_check))
            .configure(admin::configure),
    )
    .service(
        web::scope("/counter")
            .wrap(from_fn(crate::counter::text_check))
            .configure(crate::counter::configure),
    )
    .service(
        web::scope("/v1/log")
            .wrap(from_fn(text_check))
            .configure(log::configure),
    )
    .service(web::scope("/.well-known").configure(well_known::configure))
    .service(web::scope("/passkey-demo").configure(crate::passkey_demo::configure));
}
