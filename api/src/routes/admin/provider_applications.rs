//! The Office and providers' applications (issue 16): enter a paper application, list
//! and read them, add documents received by post, and decide: approve (the provider is
//! registered and its first user administrator created), refuse with a reason, or ask for
//! more. `/v1/admin/provider-applications[/{id}[/documents|/{action}]]`.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::accounts::Staff;
use ehealth_core::actions::provider_applications;
use ehealth_core::actions::provider_review::{self, Decision};
use ehealth_core::context::Services;
use ehealth_core::db::provider_applications::{self as apps, ProviderApplication};
use ehealth_core::db::DbConn;
use ehealth_core::domain::{AccountRole, ApplicationChannel, ProviderApplicationStatus};
use ehealth_core::{CoreError, CoreResult};
use serde::Deserialize;
use serde_json::json;

use super::provider_json;
use crate::http::errors::{blocking, ApiError};
use crate::routes::hcp::apply::{
    application_json, parse_documents, DocumentBody, ProviderApplicationBody,
};
use crate::routes::hcp::staff::{account_json, AccountSession};

fn answer(status: actix_web::http::StatusCode, body: serde_json::Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("Cache-Control", "no-store"))
        .json(body)
}

/// Runs `act` for the signed-in Office off the async threads: what it gave, and the
/// application it acted on (`application_of`) as JSON, with its documents.
async fn as_office<T, F>(
    services: web::Data<Services>,
    session: AccountSession,
    act: F,
    application_of: fn(&T) -> &ProviderApplication,
) -> Result<(T, serde_json::Value), ApiError>
where
    F: FnOnce(&mut DbConn, &Services, &Staff) -> CoreResult<T> + Send + 'static,
    T: Send + 'static,
{
    blocking(move || {
        let mut conn = services.db.get()?;
        let office = session.authorise(&mut conn, AccountRole::Office)?;
        let done = act(&mut conn, &services, &office)?;
        let application = application_of(&done);
        let documents = apps::documents_of(&mut conn, &application.id)?;
        let body = application_json(application, &documents);
        Ok((done, body))
    })
    .await
}

#[utoipa::path(post, path = "/v1/admin/provider-applications", tag = "admin", security(("bearer" = [])), request_body = ProviderApplicationBody,
    responses((status = 201, description = "the paper application as entered, with its reference", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 409, description = "application_open: the same application is open already", body = crate::routes::app::input::ErrorBody)))]
pub async fn enter(
    services: web::Data<Services>,
    session: AccountSession,
    body: web::Json<ProviderApplicationBody>,
) -> Result<HttpResponse, ApiError> {
    let new = body.parse()?;
    let (_, body) = as_office(
        services,
        session,
        move |conn, services, office| {
            provider_applications::submit(
                conn,
                &services.hasher,
                ApplicationChannel::Paper,
                &office.actor(),
                &new,
                Utc::now(),
            )
        },
        |app| app,
    )
    .await?;
    Ok(answer(actix_web::http::StatusCode::CREATED, body))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `submitted`, `more_requested`, `approved` or `refused`; all when absent.
    pub status: Option<String>,
    /// 1 to 500 (default 100).
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/v1/admin/provider-applications", tag = "admin", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "applications, oldest first", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody)))]
pub async fn list(
    services: web::Data<Services>,
    session: AccountSession,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let status = query
        .status
        .as_deref()
        .map(ProviderApplicationStatus::parse)
        .transpose()?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(CoreError::invalid("limit", "1 to 500").into());
    }
    let items = blocking(move || {
        let mut conn = services.db.get()?;
        session.authorise(&mut conn, AccountRole::Office)?;
        let mut out = Vec::new();
        for app in apps::list(&mut conn, status, limit)? {
            let documents = apps::documents_of(&mut conn, &app.id)?;
            out.push(application_json(&app, &documents));
        }
        Ok(out)
    })
    .await?;
    Ok(answer(
        actix_web::http::StatusCode::OK,
        json!({ "items": items }),
    ))
}

#[utoipa::path(get, path = "/v1/admin/provider-applications/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "application id")),
    responses((status = 200, description = "the application and its documents", content_type = "application/json"), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody)))]
pub async fn show(
    services: web::Data<Services>,
    session: AccountSession,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let (_, body) = as_office(
        services,
        session,
        move |conn, _, _| apps::find(conn, &id)?.ok_or(CoreError::NotFound("provider_application")),
        |app| app,
    )
    .await?;
    Ok(answer(actix_web::http::StatusCode::OK, body))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficeDocumentsBody {
    pub documents: Vec<DocumentBody>,
}

#[utoipa::path(post, path = "/v1/admin/provider-applications/{id}/documents", tag = "admin", security(("bearer" = [])), request_body = OfficeDocumentsBody, params(("id" = String, Path, description = "application id")),
    responses((status = 200, description = "added (documents received by post or fax)", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody), (status = 409, body = crate::routes::app::input::ErrorBody)))]
pub async fn add_documents(
    services: web::Data<Services>,
    session: AccountSession,
    path: web::Path<String>,
    body: web::Json<OfficeDocumentsBody>,
) -> Result<HttpResponse, ApiError> {
    let documents = parse_documents(&body.documents)?;
    let id = path.into_inner();
    let (_, body) = as_office(
        services,
        session,
        move |conn, _, office| {
            provider_applications::add_documents(conn, &office.actor(), &id, &documents, Utc::now())
        },
        |app| app,
    )
    .await?;
    Ok(answer(actix_web::http::StatusCode::OK, body))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// Required to refuse (the reason) and to ask for more (what is needed); told to the
    /// applicant.
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/v1/admin/provider-applications/{id}/{action}", tag = "admin", security(("bearer" = [])), request_body = DecisionBody,
    params(("id" = String, Path, description = "application id"), ("action" = String, Path, description = "approve, refuse or request-more")),
    responses((status = 200, description = "decided; on approval with the provider and its first user administrator's account (activated by the code sent to their email)", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody), (status = 409, description = "invalid_transition, supporting_documents_missing", body = crate::routes::app::input::ErrorBody)))]
pub async fn decide(
    services: web::Data<Services>,
    session: AccountSession,
    path: web::Path<(String, String)>,
    body: web::Json<DecisionBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    let decision = Decision::parse(&action, body.reason.as_deref())?;
    let (decided, mut body) = as_office(
        services,
        session,
        move |conn, services, office| {
            provider_review::decide(
                conn,
                &services.hasher,
                office,
                &id,
                &decision,
                services.config.providers.activation_days,
                Utc::now(),
            )
        },
        |decided| &decided.application,
    )
    .await?;
    if let Some(p) = &decided.provider {
        body["provider"] = provider_json(p);
    }
    if let Some(a) = &decided.administrator {
        body["administrator_account"] = account_json(a);
    }
    Ok(answer(actix_web::http::StatusCode::OK, body))
}
