//! `/v1/admin`: the eHR Registration Office (issue 4). Every handler needs an Office
//! account (role `office`, no provider).

pub(crate) mod change_provider_status;
pub(crate) mod export_fhir;
pub(crate) mod form_consents;
pub(crate) mod log_proofs;
pub(crate) mod manage_accounts;
pub(crate) mod notification_jobs;
pub(crate) mod provider_applications;
pub(crate) mod provider_documents;
pub(crate) mod query_audit;
pub(crate) mod register_provider;
pub(crate) mod sdm_links;
pub(crate) mod set_matrix_row;
pub(crate) mod show_provider;

use actix_web::web;
use ehealth_core::db::providers::Provider;
use serde_json::{json, Value};

use super::hcp::create_session;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sessions", web::post().to(create_session::office))
        .route("/providers", web::post().to(register_provider::handle))
        .route("/providers/{id}", web::get().to(show_provider::handle))
        .route(
            "/provider-applications",
            web::post().to(provider_applications::enter),
        )
        .route(
            "/provider-applications",
            web::get().to(provider_applications::list),
        )
        .route(
            "/provider-applications/{id}",
            web::get().to(provider_applications::show),
        )
        // Before `{action}`, which would otherwise match "documents".
        .route(
            "/provider-applications/{id}/documents",
            web::post().to(provider_applications::add_documents),
        )
        .route(
            "/provider-applications/{id}/{action}",
            web::post().to(provider_applications::decide),
        )
        .route(
            "/providers/{id}/documents",
            web::post().to(provider_documents::record),
        )
        // Before `{action}`, which would otherwise match "accounts".
        .route(
            "/providers/{id}/accounts",
            web::post().to(manage_accounts::create),
        )
        .route(
            "/accounts/{id}/totp",
            web::post().to(manage_accounts::enrol),
        )
        .route(
            "/accounts/{id}/disable",
            web::post().to(manage_accounts::disable),
        )
        .route(
            "/providers/{id}/{action}",
            web::post().to(change_provider_status::handle),
        )
        .route("/notification-jobs", web::get().to(notification_jobs::list))
        .route(
            "/notification-jobs/{id}/retry",
            web::post().to(notification_jobs::retry),
        )
        .route("/form-consents", web::get().to(form_consents::list))
        .route("/patients/{ehr}/sdm-links", web::get().to(sdm_links::list))
        .route(
            "/sdm-links/{id}/{action}",
            web::post().to(sdm_links::change),
        )
        .route("/audit", web::get().to(query_audit::search))
        .route("/audit/verify", web::get().to(query_audit::verify))
        .route("/audit/{seq}/proof", web::get().to(log_proofs::inclusion))
        .route("/log/consistency", web::get().to(log_proofs::consistency))
        .route(
            "/access-matrix/{profession}",
            web::put().to(set_matrix_row::handle),
        )
        .route(
            "/patients/{ehr}/fhir/Consent",
            web::get().to(export_fhir::consents),
        )
        .route(
            "/patients/{ehr}/fhir/AuditEvent",
            web::get().to(export_fhir::audit_events),
        )
        .route(
            "/patients/{ehr}/fhir/{kind}",
            web::get().to(export_fhir::unsupported),
        );
}

fn provider_json(p: &Provider) -> Value {
    json!({
        "id": p.id,
        "name_en": p.name_en,
        "name_zh": p.name_zh,
        "establishment_type": p.establishment_type,
        "public_body": p.public_body,
        "status": p.status,
        "registered_at": p.registered_at.and_utc().to_rfc3339(),
        "status_changed_at": p.status_changed_at.and_utc().to_rfc3339(),
    })
}
