//! `DELETE /v1/app/consents/{hcp_id}`: revoke a consent to a provider.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::consent;
use ehealth_core::actions::consent_history::with_provider;
use ehealth_core::context::Services;
use ehealth_core::domain::ConsentChannel;
use ehealth_core::ids::ProviderId;

use super::acting::Acting;
use super::input::ErrorBody;
use crate::http::errors::{blocking, ApiError};
use crate::routes::consent_item::ConsentItem;

/// Revokes the consent at once (not HA/DH, whose consent ends only on withdrawal).
#[utoipa::path(delete, path = "/v1/app/consents/{hcp_id}", tag = "consents", security(("bearer" = [])),
    params(("hcp_id" = String, Path, description = "9-digit provider id")),
    responses((status = 200, body = ConsentItem), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn revoke(
    services: web::Data<Services>,
    acting: Acting,
    hcp_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let provider_id = ProviderId::parse(&hcp_id)?;
    let view = blocking(move || {
        let mut conn = services.db.get()?;
        let consent = consent::revoke(
            &mut conn,
            &acting.patient_id,
            &provider_id,
            ConsentChannel::App,
            &acting.actor,
            Utc::now(),
        )?;
        with_provider(&mut conn, consent)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ConsentItem::of(&view, Utc::now())))
}
