//! `/v1/app`: the patient app (issue 3). Every route but joining and sign-in needs a
//! bearer session of a patient, or of an SDM naming the patient in `X-Acting-For`.

pub mod access_key;
pub mod access_record_proof;
pub mod access_records;
pub mod acting;
pub mod add_device;
pub mod applications;
pub mod approvals;
pub mod give_consent;
pub mod inbox;
pub mod input;
pub mod list_consents;
pub mod me;
pub mod passkey_json;
pub mod passkeys;
pub mod providers;
pub mod remove_device;
pub mod revoke_consent;
pub mod sdm_applications;
pub mod sdm_links;
pub mod sessions;
pub mod withdrawal;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/applications", web::post().to(applications::create))
        .route(
            "/sdm-applications",
            web::post().to(sdm_applications::create),
        )
        .route("/acting-for/{ehr_number}", web::delete().to(sdm_links::end))
        .route("/applications/{id}", web::get().to(applications::show))
        .route(
            "/applications/{id}/verify-mobile",
            web::post().to(applications::verify_mobile),
        )
        .route(
            "/applications/{id}/resend-code",
            web::post().to(applications::resend_code),
        )
        .route("/sessions/otp", web::post().to(sessions::start_otp))
        .route("/sessions/otp/verify", web::post().to(sessions::verify_otp))
        .route("/sessions/current", web::delete().to(sessions::sign_out))
        .route(
            "/sessions/passkey/start",
            web::post().to(passkeys::sign_in_start),
        )
        .route(
            "/sessions/passkey/finish",
            web::post().to(passkeys::sign_in_finish),
        )
        .route(
            "/passkeys/registration/start",
            web::post().to(passkeys::registration_start),
        )
        .route(
            "/passkeys/registration/finish",
            web::post().to(passkeys::registration_finish),
        )
        .route("/me", web::get().to(me::show))
        .route("/me/preferences", web::patch().to(me::update))
        .route(
            "/me/contact-verification",
            web::post().to(me::verify_contact),
        )
        .route("/consents", web::get().to(list_consents::list))
        .route("/consents/{hcp_id}", web::put().to(give_consent::give))
        .route(
            "/consents/{hcp_id}",
            web::delete().to(revoke_consent::revoke),
        )
        .route("/access-key", web::post().to(access_key::generate))
        .route("/access-records", web::get().to(access_records::list))
        .route(
            "/access-records/{seq}/proof",
            web::get().to(access_record_proof::show),
        )
        .route("/notifications", web::get().to(inbox::inbox))
        .route("/devices", web::post().to(add_device::add))
        .route("/devices/{id}", web::delete().to(remove_device::remove))
        .route("/approvals", web::get().to(approvals::list))
        .route(
            "/approvals/{id}/approve",
            web::post().to(approvals::approve),
        )
        .route("/approvals/{id}/deny", web::post().to(approvals::deny))
        .route("/withdrawal", web::post().to(withdrawal::withdraw))
        .route("/providers", web::get().to(providers::search));
}
