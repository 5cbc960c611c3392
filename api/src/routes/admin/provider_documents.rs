//! `POST /v1/admin/providers/{id}/documents`: the Office records a registered provider's
//! renewed supporting documents (issue 16). Each replaces the provider's earlier documents
//! of its type, so the old one's expiry neither reminds nor suspends the provider.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::provider_applications;
use ehealth_core::context::Services;
use ehealth_core::domain::AccountRole;
use ehealth_core::ids::ProviderId;
use serde_json::json;

use super::provider_applications::OfficeDocumentsBody;
use crate::http::errors::{blocking, ApiError};
use crate::routes::hcp::apply::{document_json, parse_documents};
use crate::routes::hcp::staff::AccountSession;

#[utoipa::path(post, path = "/v1/admin/providers/{id}/documents", tag = "admin", security(("bearer" = [])), request_body = OfficeDocumentsBody,
    params(("id" = String, Path, description = "9-digit provider id")),
    responses((status = 200, description = "the provider's documents, the replaced ones with `replaced_by`", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody)))]
pub async fn record(
    services: web::Data<Services>,
    session: AccountSession,
    path: web::Path<String>,
    body: web::Json<OfficeDocumentsBody>,
) -> Result<HttpResponse, ApiError> {
    let provider = ProviderId::parse(&path.into_inner())?;
    let documents = parse_documents(&body.documents)?;
    let all = blocking(move || {
        let mut conn = services.db.get()?;
        let office = session.authorise(&mut conn, AccountRole::Office)?;
        provider_applications::record_provider_documents(
            &mut conn,
            &office,
            &provider,
            &documents,
            Utc::now(),
        )
    })
    .await?;
    Ok(HttpResponse::Ok()
        .json(json!({ "documents": all.iter().map(document_json).collect::<Vec<_>>() })))
}
