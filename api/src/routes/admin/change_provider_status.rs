//! `POST /v1/admin/providers/{id}/{suspend,reinstate,cancel,withdraw}`: the provider's
//! lifecycle, with a reason and an effective Hong Kong date (issue 16). Effective today
//! (the default) it applies at once; later, it is scheduled and the notifier's sweep
//! applies it on its day. A withdrawal is the provider's own request, entered with the day
//! it was received. Withdrawing or cancelling ends its consents and its accounts' sessions.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::provider_changes::{self, ChangeRequest};
use ehealth_core::actions::provider_lifecycle::Transition;
use ehealth_core::context::Services;
use ehealth_core::db::provider_changes::StatusChange;
use ehealth_core::domain::AccountRole;
use ehealth_core::ids::ProviderId;
use ehealth_core::CoreError;
use serde::Deserialize;
use serde_json::{json, Value};

use super::provider_json;
use crate::http::errors::{blocking, ApiError};
use crate::routes::hcp::create_account::parse_date;
use crate::routes::hcp::staff::AccountSession;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChangeBody {
    /// Told to the provider with the date (1 to 500 characters).
    pub reason: String,
    /// `YYYY-MM-DD` (Hong Kong), today (default) to a year ahead.
    pub effective_on: Option<String>,
    /// Withdrawal only, and required there: the day the provider's request was received.
    pub received_on: Option<String>,
}

pub(crate) fn change_json(c: &StatusChange) -> Value {
    json!({
        "id": c.id,
        "transition": c.transition,
        "reason": c.reason,
        "effective_on": c.effective_on.to_string(),
        "received_on": c.received_on.map(|d| d.to_string()),
        "state": c.state,
        "created_at": c.created_at.and_utc().to_rfc3339(),
        "applied_at": c.applied_at.map(|t| t.and_utc().to_rfc3339()),
    })
}

#[utoipa::path(post, path = "/v1/admin/providers/{id}/{action}", tag = "admin", security(("bearer" = [])), request_body = StatusChangeBody, params(("id" = String, Path, description = "9-digit provider id"), ("action" = String, Path, description = "suspend, reinstate, cancel or withdraw")), responses((status = 200, description = "the provider and the change (state applied, or scheduled for its day)", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody), (status = 409, description = "invalid_transition, change_already_scheduled", body = crate::routes::app::input::ErrorBody)))]
pub async fn handle(
    services: web::Data<Services>,
    session: AccountSession,
    path: web::Path<(String, String)>,
    body: web::Json<StatusChangeBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    let id = ProviderId::parse(&id)?;
    // The route's own words, older than `parse`'s list.
    let transition = Transition::parse(&action)
        .map_err(|_| CoreError::invalid("action", "suspend, reinstate, cancel or withdraw"))?;
    let request = ChangeRequest {
        reason: body.reason.clone(),
        effective_on: body
            .effective_on
            .as_deref()
            .map(|d| parse_date("effective_on", d))
            .transpose()?,
        received_on: body
            .received_on
            .as_deref()
            .map(|d| parse_date("received_on", d))
            .transpose()?,
    };
    let decided = blocking(move || {
        let mut conn = services.db.get()?;
        let office = session.authorise(&mut conn, AccountRole::Office)?;
        provider_changes::request_change(&mut conn, &office, &id, transition, &request, Utc::now())
    })
    .await?;
    let mut answer = provider_json(&decided.provider);
    answer["change"] = change_json(&decided.change);
    Ok(HttpResponse::Ok().json(answer))
}
