//! `/v1/app`: the patient app (issue 3). Every route but joining and sign-in needs a
//! bearer session of a patient, or of an SDM naming the patient in `X-Acting-For`.

pub mod access_key;
pub mod access_record_proof;
pub mod access_records;
pub mod acting;
pub mod add_device;
pub mod approval_view;
pub mod approve_request;
pub mod create_application;
pub mod deny_request;
pub mod finish_passkey_registration;
pub mod finish_passkey_sign_in;
pub mod give_consent;
pub mod inbox;
pub mod input;
pub mod joining;
pub mod list_approvals;
pub mod list_consents;
pub mod passkey_ceremony;
pub mod passkey_json;
pub mod profile;
pub mod providers;
pub mod remove_device;
pub mod resend_code;
pub mod revoke_consent;
pub mod sdm_applications;
pub mod sdm_links;
pub mod session_view;
pub mod show_application;
pub mod show_profile;
pub mod sign_out;
pub mod start_otp;
pub mod start_passkey_registration;
pub mod start_passkey_sign_in;
pub mod update_preferences;
pub mod verify_contact;
pub mod verify_mobile;
pub mod verify_otp;
pub mod withdrawal;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/applications", web::post().to(create_application::create))
        .route(
            "/sdm-applications",
            web::post().to(sdm_applications::create),
        )
        .route("/acting-for/{ehr_number}", web::delete().to(sdm_links::end))
        .route("/applications/{id}", web::get().to(show_application::show))
        .route(
            "/applications/{id}/verify-mobile",
            web::post().to(verify_mobile::verify_mobile),
        )
        .route(
            "/applications/{id}/resend-code",
            web::post().to(resend_code::resend_code),
        )
        .route("/sessions/otp", web::post().to(start_otp::start_otp))
        .route(
            "/sessions/otp/verify",
            web::post().to(verify_otp::verify_otp),
        )
        .route("/sessions/current", web::delete().to(sign_out::sign_out))
        .route(
            "/sessions/passkey/start",
            web::post().to(start_passkey_sign_in::sign_in_start),
        )
        .route(
            "/sessions/passkey/finish",
            web::post().to(finish_passkey_sign_in::sign_in_finish),
        )
        .route(
            "/passkeys/registration/start",
            web::post().to(start_passkey_registration::registration_start),
        )
        .route(
            "/passkeys/registration/finish",
            web::post().to(finish_passkey_registration::registration_finish),
        )
        .route("/me", web::get().to(show_profile::show))
        .route(
            "/me/preferences",
            web::patch().to(update_preferences::update),
        )
        .route(
            "/me/contact-verification",
            web::post().to(verify_contact::verify_contact),
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
        .route("/approvals", web::get().to(list_approvals::list))
        .route(
            "/approvals/{id}/approve",
            web::post().to(approve_request::approve),
        )
        .route("/approvals/{id}/deny", web::post().to(deny_request::deny))
        .route("/withdrawal", web::post().to(withdrawal::withdraw))
        .route("/providers", web::get().to(providers::search));
}
