//! `PUT /v1/app/consents/{hcp_id}`: give, renew or change a consent to a provider.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::consent::{self, ConsentRequest};
use ehealth_core::context::Services;
use ehealth_core::domain::{ConsentChannel, ConsentType};
use ehealth_core::ids::ProviderId;
use serde::Deserialize;
use utoipa::ToSchema;

use super::acting::Acting;
use super::input::ErrorBody;
use crate::http::errors::{blocking, ApiError};
use crate::routes::consent_item::ConsentItem;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    /// `one_year` or `indefinite`
    #[serde(rename = "type")]
    pub consent_type: String,
}

/// Gives consent to a provider, or renews or changes the type of the current one (which
/// is superseded, kept in the history).
#[utoipa::path(put, path = "/v1/app/consents/{hcp_id}", tag = "consents", security(("bearer" = [])), request_body = ConsentBody,
    params(("hcp_id" = String, Path, description = "9-digit provider id")),
    responses((status = 200, body = ConsentItem), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn give(
    services: web::Data<Services>,
    acting: Acting,
    hcp_id: web::Path<String>,
    body: web::Json<ConsentBody>,
) -> Result<HttpResponse, ApiError> {
    let provider_id = ProviderId::parse(&hcp_id)?;
    let consent_type = ConsentType::parse(&body.consent_type)?;
    let acting = acting.into_inner();
    let request = ConsentRequest {
        patient_id: acting.patient_id,
        provider_id,
        consent_type,
        channel: ConsentChannel::App,
        actor: acting.actor,
    };
    let view = blocking(move || {
        let mut conn = services.db.get()?;
        consent::give_and_show(&mut conn, &request, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Ok().json(ConsentItem::of(&view, Utc::now())))
}
