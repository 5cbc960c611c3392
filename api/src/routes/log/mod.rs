//! `/v1/log`: the public face of the verifiable access log (issue 12): the latest signed
//! checkpoint and the key that signs it. No session needed.

pub(crate) mod checkpoint;
pub(crate) mod key;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/checkpoint", web::get().to(checkpoint::show))
        .route("/key", web::get().to(key::show));
}
