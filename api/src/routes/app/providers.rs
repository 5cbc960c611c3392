//! `GET /v1/app/providers?q=`: the directory of registered providers, to pick one for
//! consent.

use actix_web::{web, HttpResponse};
use ehealth_core::context::Services;
use ehealth_core::db::providers;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::acting::Acting;
use super::input::{self, ErrorBody};
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Search {
    /// Part of the provider's name (English or Chinese), or its 9-digit id.
    pub q: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderItem {
    pub hcp_id: String,
    pub name_en: String,
    pub name_zh: String,
    pub establishment_type: String,
    /// HA and DH hold deemed consent and need none.
    pub deemed_consent: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderList {
    pub providers: Vec<ProviderItem>,
}

/// Searches registered providers by name or id (at most 20 answers).
#[utoipa::path(get, path = "/v1/app/providers", tag = "providers", security(("bearer" = [])), params(Search),
    responses((status = 200, body = ProviderList), (status = 400, body = ErrorBody)))]
pub async fn search(
    services: web::Data<Services>,
    _acting: Acting,
    query: web::Query<Search>,
) -> Result<HttpResponse, ApiError> {
    let q = input::text("q", &query.q, 100)?;
    let rows = blocking(move || {
        let mut conn = services.db.get()?;
        Ok(providers::search(&mut conn, &q, 20)?)
    })
    .await?;
    let providers = rows
        .into_iter()
        .map(|p| ProviderItem {
            deemed_consent: p.public_body.is_some(),
            hcp_id: p.id,
            name_en: p.name_en,
            name_zh: p.name_zh,
            establishment_type: p.establishment_type.as_str().to_owned(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(ProviderList { providers }))
}
