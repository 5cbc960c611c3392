//! `/openapi.json`: the OpenAPI document, generated from the handlers' annotations.
//! Other areas add their handlers to `paths(...)` and their bodies are found from there.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::openapi_contract::CommonResponses;
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

/// OpenAPI requires a description on every response and a unique operation id: responses
/// that give only a status and a body get the status's meaning in our contract, and each
/// operation is named by its verb and path (handlers in different files share names such
/// as `handle`).
struct DescribeResponses;

fn operation_id(verb: &str, path: &str) -> String {
    let words: Vec<&str> = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && *w != "v1")
        .collect();
    format!("{verb}_{}", words.join("_"))
}

fn describe(status: &str) -> &'static str {
    match status {
        "200" | "201" => "done",
        "204" => "done, no content",
        "400" => "malformed input: error body with a stable code (and the field)",
        "401" => "not signed in, or the credentials are wrong",
        "403" => "signed in but not allowed",
        "404" => "no such resource",
        "409" => "conflicts with the current state",
        "413" => "body too large",
        "423" => "locked after too many wrong tries",
        "429" => "too many tries: wait (see Retry-After)",
        "503" => "temporarily unavailable",
        _ => "error body with a stable code",
    }
}

impl Modify for DescribeResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
            ];
            for (verb, slot) in operations {
                let Some(operation) = slot.as_mut() else {
                    continue;
                };
                operation.operation_id = Some(operation_id(verb, path));
                for (status, response) in operation.responses.responses.iter_mut() {
                    if let utoipa::openapi::RefOr::T(r) = response {
                        if r.description.is_empty() {
                            r.description = describe(status).to_owned();
                        }
                    }
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "eHealth consent platform API", description = "Patient app (/v1/app), provider counter (/v1/hcp) and Office (/v1/admin). Every 4xx/5xx answer is {\"error\": {\"code\", \"message\"}} with a stable code."),
    modifiers(&BearerScheme, &DescribeResponses, &CommonResponses),
    paths(
        app::create_application::create,
        app::show_application::show,
        app::verify_mobile::verify_mobile,
        app::resend_code::resend_code,
        app::start_otp::start_otp,
        app::verify_otp::verify_otp,
        app::sign_out::sign_out,
        app::start_passkey_registration::registration_start,
        app::finish_passkey_registration::registration_finish,
        app::start_passkey_sign_in::sign_in_start,
        app::finish_passkey_sign_in::sign_in_finish,
        app::show_profile::show,
        app::update_preferences::update,
        app::verify_contact::verify_contact,
        app::list_consents::list,
        app::give_consent::give,
        app::revoke_consent::revoke,
        app::access_key::generate,
        app::access_records::list,
        app::inbox::inbox,
        app::add_device::add,
        app::remove_device::remove,
        app::list_approvals::list,
        app::approve_request::approve,
        app::deny_request::deny,
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
        crate::routes::admin::notification_jobs::list,
        crate::routes::admin::notification_jobs::retry,
        crate::routes::admin::query_audit::verify,
        crate::routes::admin::form_consents::list,
        crate::routes::admin::set_matrix_row::handle,
        crate::routes::admin::export_fhir::consents,
        crate::routes::admin::export_fhir::audit_events,
        // issue 12: the verifiable access log
        crate::routes::log::checkpoint::show,
        crate::routes::log::key::show,
        app::access_record_proof::show,
        crate::routes::admin::log_proofs::consistency,
        crate::routes::admin::log_proofs::inclusion,
        // issue 16: providers as the booklet describes them
        crate::routes::hcp::renew_registration::handle,
        crate::routes::hcp::activate::handle,
        crate::routes::hcp::apply::submit,
        crate::routes::hcp::apply::add_documents,
        crate::routes::admin::show_provider::handle,
        crate::routes::admin::provider_applications::enter,
        crate::routes::admin::provider_applications::list,
        crate::routes::admin::provider_applications::show,
        crate::routes::admin::provider_applications::add_documents,
        crate::routes::admin::provider_applications::decide,
        // issue 14: substitute decision makers
        app::sdm_applications::create,
        app::sdm_links::end,
        crate::routes::hcp::verify_sdm::show,
        crate::routes::hcp::verify_sdm::handle,
        crate::routes::hcp::verify_sdm::end_for_capacity,
        crate::routes::admin::sdm_links::list,
        crate::routes::admin::sdm_links::change,
        crate::routes::admin::provider_documents::record,
    )
)]
pub struct ApiDoc;

pub async fn serve() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use ehealth_core::ErrorCode;

    use super::*;

    #[test]
    fn the_error_schema_lists_every_code_and_every_code_is_documented() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        let listed: Vec<&str> = doc["components"]["schemas"]["ErrorDetail"]["properties"]["code"]
            ["enum"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        let all: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(listed, all, "the OpenAPI error schema's code enum");
        let table = include_str!("../../docs/errors.md");
        for code in ErrorCode::ALL {
            let row = format!("| `{}` | {} |", code.as_str(), code.status());
            assert!(table.contains(&row), "docs/errors.md lacks the row {row}");
        }
    }
}
