//! `/openapi.json`: the OpenAPI document, generated from the handlers' annotations.
//! Other areas add their handlers to `paths(...)` and their bodies are found from there.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::app;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "eHealth consent platform API", description = "Patient app (/v1/app), provider counter (/v1/hcp) and Office (/v1/admin). Every 4xx/5xx answer is {\"error\": {\"code\", \"message\"}} with a stable code."),
    modifiers(&BearerScheme),
    paths(
        app::applications::create,
        app::applications::show,
        app::applications::verify_mobile,
        app::applications::resend_code,
        app::sessions::start_otp,
        app::sessions::verify_otp,
        app::sessions::sign_out,
        app::passkeys::registration_start,
        app::passkeys::registration_finish,
        app::passkeys::sign_in_start,
        app::passkeys::sign_in_finish,
        app::me::show,
        app::me::update,
        app::me::verify_contact,
        app::consents::list,
        app::consents::give,
        app::consents::revoke,
        app::access_key::generate,
        app::access_records::list,
        app::devices::inbox,
        app::devices::add,
        app::devices::remove,
        app::approvals::list,
        app::approvals::approve,
        app::approvals::deny,
        app::withdrawal::withdraw,
        app::providers::search,
        // issue 4: provider counter and Office
        crate::routes::hcp::create_session::provider,
        crate::routes::hcp::create_account::handle,
        crate::routes::hcp::manage_account::list,
        crate::routes::hcp::manage_account::disable,
        crate::routes::hcp::enrol_totp::handle,
        crate::routes::hcp::verify_identity::handle,
        crate::routes::hcp::consent_access_key::handle,
        crate::routes::hcp::consent_form::handle,
        crate::routes::hcp::share_record::handle,
        crate::routes::hcp::open_episode::handle,
        crate::routes::hcp::view_records::handle,
        crate::routes::hcp::request_approval::handle,
        crate::routes::hcp::create_session::office,
        crate::routes::admin::register_provider::handle,
        crate::routes::admin::manage_accounts::create,
        crate::routes::admin::manage_accounts::enrol,
        crate::routes::admin::manage_accounts::disable,
        crate::routes::admin::change_provider_status::handle,
        crate::routes::admin::query_audit::search,
        crate::routes::admin::query_audit::verify,
        crate::routes::admin::set_matrix_row::handle,
        crate::routes::admin::export_fhir::consents,
        crate::routes::admin::export_fhir::audit_events,
    )
)]
pub struct ApiDoc;

pub async fn serve() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
