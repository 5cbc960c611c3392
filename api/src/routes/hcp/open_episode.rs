//! `POST /v1/hcp/care-episodes`: open a care episode for a patient at this provider, the
//! patient-under-care purpose that record views can state.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::records;
use ehealth_core::context::Services;
use ehealth_core::domain::AccountRole;
use ehealth_core::ids::EhrNumber;
use serde::Deserialize;
use serde_json::json;

use super::staff::AccountSession;
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EpisodeBody {
    pub ehr_number: String,
}

#[utoipa::path(post, path = "/v1/hcp/care-episodes", tag = "hcp", security(("bearer" = [])), request_body = EpisodeBody, responses((status = 201, description = "done", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody)))]
pub async fn handle(
    services: web::Data<Services>,
    session: AccountSession,
    body: web::Json<EpisodeBody>,
) -> Result<HttpResponse, ApiError> {
    let ehr = EhrNumber::parse(&body.ehr_number)?;
    let episode = blocking(move || {
        let mut conn = services.db.get()?;
        let staff = session.authorise(&mut conn, AccountRole::Hcprof)?;
        records::open_episode(&mut conn, &staff, &ehr, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({
        "id": episode.id,
        "provider_id": episode.provider_id,
        "started_at": episode.started_at.and_utc().to_rfc3339(),
    })))
}
