//! `PUT /v1/hcp/accounts/{id}/registration`: a user administrator records the renewal of a
//! professional's registration at their provider (issue 16). From its last day on, the
//! account is refused record access (`professional_registration_expired`) until renewed.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::accounts;
use ehealth_core::context::Services;
use ehealth_core::domain::AccountRole;
use ehealth_core::ids::AccountId;
use serde::Deserialize;
use serde_json::json;

use super::create_account::parse_date;
use super::staff::{account_json, AccountSession};
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationBody {
    /// The registration number, when the renewal changed it.
    pub registration_number: Option<String>,
    /// `YYYY-MM-DD`: the last day of the renewed registration (not in the past).
    pub expires_on: String,
}

#[utoipa::path(put, path = "/v1/hcp/accounts/{id}/registration", tag = "hcp", security(("bearer" = [])), request_body = RegistrationBody,
    params(("id" = String, Path, description = "account id")),
    responses((status = 200, description = "the account with its registration", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody)))]
pub async fn handle(
    services: web::Data<Services>,
    session: AccountSession,
    path: web::Path<AccountId>,
    body: web::Json<RegistrationBody>,
) -> Result<HttpResponse, ApiError> {
    let expires_on = parse_date("expires_on", &body.expires_on)?;
    let number = body.registration_number.clone();
    let id = path.into_inner();
    let (account, expires_on) = blocking(move || {
        let mut conn = services.db.get()?;
        let admin = session.authorise(&mut conn, AccountRole::UserAdmin)?;
        accounts::renew_registration(
            &mut conn,
            &admin,
            &id,
            number.as_deref(),
            expires_on,
            Utc::now(),
        )
    })
    .await?;
    let mut answer = account_json(&account);
    answer["registration_expires_on"] = json!(expires_on.to_string());
    Ok(HttpResponse::Ok().json(answer))
}
