//! `GET /v1/admin/providers/{id}`: a provider as the Office sees it (issue 16): its status,
//! particulars, supporting documents and lifecycle changes (reasons, effective dates, the
//! scheduled one).

use actix_web::{web, HttpResponse};
use ehealth_core::context::Services;
use ehealth_core::db::{provider_applications, provider_changes, providers};
use ehealth_core::domain::AccountRole;
use ehealth_core::ids::ProviderId;
use ehealth_core::CoreError;
use serde_json::json;

use super::change_provider_status::change_json;
use super::provider_json;
use crate::http::errors::{blocking, ApiError};
use crate::routes::hcp::apply::document_json;
use crate::routes::hcp::staff::AccountSession;

#[utoipa::path(get, path = "/v1/admin/providers/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "9-digit provider id")),
    responses((status = 200, description = "the provider with its particulars, documents and status changes", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody)))]
pub async fn handle(
    services: web::Data<Services>,
    session: AccountSession,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = ProviderId::parse(&path.into_inner())?;
    let body = blocking(move || {
        let mut conn = services.db.get()?;
        session.authorise(&mut conn, AccountRole::Office)?;
        let provider =
            providers::find(&mut conn, id.as_str())?.ok_or(CoreError::NotFound("provider"))?;
        let particulars = provider_changes::particulars(&mut conn, &provider.id)?;
        let documents = provider_applications::documents_of_provider(&mut conn, &provider.id)?;
        let changes = provider_changes::history(&mut conn, &provider.id)?;
        let mut body = provider_json(&provider);
        body["particulars"] = match particulars {
            Some(p) => json!({
                "address": p.address,
                "contact_name": p.contact_name,
                "contact_email": p.contact_email,
                "contact_phone": p.contact_phone,
                "language": p.language,
            }),
            None => serde_json::Value::Null,
        };
        body["documents"] = documents.iter().map(document_json).collect();
        body["status_changes"] = changes.iter().map(change_json).collect();
        Ok(body)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(body))
}
