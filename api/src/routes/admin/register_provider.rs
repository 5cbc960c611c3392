//! `POST /v1/admin/providers`: the Office registers a healthcare provider directly (HA and
//! DH, the demo, providers registered before applications existed). A provider that
//! applies goes through `/v1/admin/provider-applications` instead (issue 16).

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::provider_lifecycle::{self, NewProvider, Particulars};
use ehealth_core::context::Services;
use ehealth_core::domain::{AccountRole, EmailAddress, EstablishmentType, Language, PostalAddress};
use ehealth_core::CoreError;
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
    /// Where letters about the provider's status go.
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    /// `en` (default), `zh-Hant` or `zh-Hans`: the language of its emails and letters.
    pub language: Option<String>,
}

/// Optional text of at most `max` characters, or a 400 naming the field.
pub(crate) fn optional_text(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, CoreError> {
    match value.map(str::trim) {
        None => Ok(None),
        Some(v)
            if !v.is_empty() && v.chars().count() <= max && !v.chars().any(char::is_control) =>
        {
            Ok(Some(v.to_owned()))
        }
        Some(_) => Err(CoreError::invalid(field, format!("1 to {max} characters"))),
    }
}

pub(crate) fn renamed<T>(field: &'static str, r: Result<T, CoreError>) -> Result<T, CoreError> {
    r.map_err(|e| match e {
        CoreError::InvalidInput { reason, .. } => CoreError::InvalidInput { field, reason },
        other => other,
    })
}

impl ProviderBody {
    fn particulars(&self) -> Result<Particulars, CoreError> {
        Ok(Particulars {
            address: self
                .address
                .as_deref()
                .map(|a| renamed("address", PostalAddress::parse(a)))
                .transpose()?,
            contact_name: optional_text("contact_name", self.contact_name.as_deref(), 200)?,
            contact_email: self
                .contact_email
                .as_deref()
                .map(|e| renamed("contact_email", EmailAddress::parse(e)))
                .transpose()?,
            contact_phone: optional_text("contact_phone", self.contact_phone.as_deref(), 32)?,
            language: self.language.as_deref().map(Language::parse).transpose()?,
        })
    }
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
        particulars: body.particulars()?,
    };
    let provider = blocking(move || {
        let mut conn = services.db.get()?;
        let office = session.authorise(&mut conn, AccountRole::Office)?;
        provider_lifecycle::register(&mut conn, &office, &new, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Created().json(provider_json(&provider)))
}
