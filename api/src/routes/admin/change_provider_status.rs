//! `POST /v1/admin/providers/{id}/{suspend,reinstate,cancel,withdraw}`: the provider's
//! lifecycle. Withdrawing or cancelling ends its consents and its accounts' sessions at once.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::provider_lifecycle::{self, Transition};
use ehealth_core::context::Services;
use ehealth_core::domain::AccountRole;
use ehealth_core::ids::ProviderId;

use super::provider_json;
use crate::http::errors::{blocking, ApiError};
use crate::routes::hcp::staff::AccountSession;

#[utoipa::path(post, path = "/v1/admin/providers/{id}/{action}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "9-digit provider id"), ("action" = String, Path, description = "suspend, reinstate, cancel or withdraw")), responses((status = 200, description = "done", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody), (status = 409, body = crate::routes::app::input::ErrorBody)))]
pub async fn handle(
    services: web::Data<Services>,
    session: AccountSession,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    let id = ProviderId::parse(&id)?;
    let transition = Transition::parse(&action)?;
    let provider = blocking(move || {
        let mut conn = services.db.get()?;
        let office = session.authorise(&mut conn, AccountRole::Office)?;
        provider_lifecycle::change_status(&mut conn, &office, &id, transition, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Ok().json(provider_json(&provider)))
}
