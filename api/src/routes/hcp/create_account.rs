//! `POST /v1/hcp/accounts`: a user administrator creates an account at their provider.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::accounts::{self, NewAccount};
use ehealth_core::context::Services;
use ehealth_core::domain::{AccountRole, EmailAddress, Profession};
use ehealth_core::CoreError;
use serde::Deserialize;

use super::staff::{account_json, AccountSession};
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountBody {
    pub username: String,
    pub display_name: String,
    pub password: String,
    /// `hcprof` (default) or `user_admin`.
    pub role: Option<String>,
    pub profession: Option<String>,
    pub registration_number: Option<String>,
    /// `YYYY-MM-DD`, the last day (Hong Kong) of the professional registration; from the
    /// day after, the account cannot view records until renewed.
    pub registration_expires_on: Option<String>,
    /// Where the account is written to (a user administrator is told of their provider's
    /// status and reminded of their professionals' registrations).
    pub email: Option<String>,
}

/// A `YYYY-MM-DD` date, or a 400 naming the field.
pub(crate) fn parse_date(field: &'static str, s: &str) -> Result<chrono::NaiveDate, CoreError> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| CoreError::invalid(field, "a date, YYYY-MM-DD"))
}

#[utoipa::path(post, path = "/v1/hcp/accounts", tag = "hcp", security(("bearer" = [])), request_body = NewAccountBody, responses((status = 201, description = "done", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 409, body = crate::routes::app::input::ErrorBody)))]
pub async fn handle(
    services: web::Data<Services>,
    session: AccountSession,
    body: web::Json<NewAccountBody>,
) -> Result<HttpResponse, ApiError> {
    create_as(services, session, None, body.into_inner()).await
}

/// Creation by a user administrator (at their provider, `at_provider` None) or by the
/// Office (at the provider named).
pub(crate) async fn create_as(
    services: web::Data<Services>,
    session: AccountSession,
    at_provider: Option<String>,
    body: NewAccountBody,
) -> Result<HttpResponse, ApiError> {
    let role = if at_provider.is_some() {
        AccountRole::Office
    } else {
        AccountRole::UserAdmin
    };
    let new = NewAccount {
        username: body.username,
        display_name: body.display_name,
        password: body.password,
        role: AccountRole::parse(body.role.as_deref().unwrap_or("hcprof"))?,
        profession: body
            .profession
            .as_deref()
            .map(Profession::parse)
            .transpose()?,
        registration_number: body.registration_number,
        registration_expires_on: body
            .registration_expires_on
            .as_deref()
            .map(|d| parse_date("registration_expires_on", d))
            .transpose()?,
        email: body.email.as_deref().map(EmailAddress::parse).transpose()?,
    };
    let account = blocking(move || {
        let mut conn = services.db.get()?;
        let admin = session.authorise(&mut conn, role)?;
        accounts::create(
            &mut conn,
            &services.hasher,
            &admin,
            at_provider.as_deref(),
            &new,
            Utc::now(),
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(account_json(&account)))
}
