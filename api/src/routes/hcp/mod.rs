//! `/v1/hcp`: the provider counter (issue 4). Every handler re-reads the account and its
//! provider, so a disabled account or a provider that is no longer registered stops
//! working at once, even with a live token.

pub(crate) mod activate;
pub(crate) mod apply;
pub(crate) mod consent_access_key;
pub(crate) mod consent_form;
pub(crate) mod create_account;
pub(crate) mod create_session;
pub(crate) mod enrol_totp;
pub(crate) mod manage_account;
pub(crate) mod open_episode;
pub(crate) mod renew_registration;
pub(crate) mod request_approval;
pub(crate) mod share_record;
pub(crate) mod staff;
pub(crate) mod verify_identity;
pub(crate) mod verify_sdm;
pub(crate) mod view_records;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sessions", web::post().to(create_session::provider))
        .route("/accounts", web::post().to(create_account::handle))
        .route("/activations", web::post().to(activate::handle))
        .route("/provider-applications", web::post().to(apply::submit))
        .route(
            "/provider-applications/{reference}/documents",
            web::post().to(apply::add_documents),
        )
        .route("/accounts", web::get().to(manage_account::list))
        .route(
            "/accounts/{id}/disable",
            web::post().to(manage_account::disable),
        )
        .route("/accounts/{id}/totp", web::post().to(enrol_totp::handle))
        .route(
            "/accounts/{id}/registration",
            web::put().to(renew_registration::handle),
        )
        .route(
            "/identity-verifications",
            web::post().to(verify_identity::handle),
        )
        .route(
            "/consents/access-key",
            web::post().to(consent_access_key::handle),
        )
        .route("/sdm-applications/{id}", web::get().to(verify_sdm::show))
        .route("/sdm-verifications", web::post().to(verify_sdm::handle))
        .route(
            "/sdm-links/end",
            web::post().to(verify_sdm::end_for_capacity),
        )
        .route("/consents/form", web::post().to(consent_form::handle))
        .route("/records", web::post().to(share_record::handle))
        .route("/care-episodes", web::post().to(open_episode::handle))
        .route("/record-views", web::post().to(view_records::handle))
        .route(
            "/approval-requests",
            web::post().to(request_approval::handle),
        );
}
