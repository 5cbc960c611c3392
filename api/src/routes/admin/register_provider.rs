//! `POST /v1/admin/providers`: the Office registers a healthcare provider.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::provider_lifecycle::{self, NewProvider};
use ehealth_core::context::Services;
use ehealth_core::domain::{AccountRole, EstablishmentType};
use serde::Deserialize;

use super::provider_json;
use crate::http::errors::{blocking, ApiError};
use crate::routes::hcp::staff::AccountSession;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderBody {
    pub name_en: String,
    pub name_zh: String,
    pub establishment_type: String,
}

#[utoipa::path(post, path = "/v1/admin/providers", tag = "admin", security(("bearer" = [])), request_body = ProviderBody, responses((status = 201, description = "done", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 409, body = crate::routes::app::input::ErrorBody)))]
pub async fn handle(
    services: web::Data<Services>,
    session: AccountSession,
    body: web::Json<ProviderBody>,
) -> Result<HttpResponse, ApiError> {
    let new = NewProvider {
        name_en: body.name_en.clone(),
        name_zh: body.name_zh.clone(),
        establishment_type: EstablishmentType::parse(&body.establishment_type)?,
    };
    let provider = blocking(move || {
        let mut conn = services.db.get()?;
        let office = session.authorise(&mut conn, AccountRole::Office)?;
        provider_lifecycle::register(&mut conn, &office, &new, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Created().json(provider_json(&provider)))
}
