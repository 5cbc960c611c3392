//! `GET /v1/app/consents`, `PUT /v1/app/consents/{hcp_id}`, `DELETE /v1/app/consents/{hcp_id}`.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::app_acts::{self, ConsentView};
use ehealth_core::actions::consent::{self, ConsentRequest};
use ehealth_core::context::Services;
use ehealth_core::db::consents::SharingConsent;
use ehealth_core::db::{providers, DbConn};
use ehealth_core::domain::{ConsentChannel, ConsentType};
use ehealth_core::ids::ProviderId;
use ehealth_core::rules::consent_in_force;
use ehealth_core::CoreResult;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::acting::Acting;
use super::input::ErrorBody;
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentItem {
    pub id: String,
    pub hcp_id: String,
    pub provider_name_en: Option<String>,
    pub provider_name_zh: Option<String>,
    /// `one_year`, `indefinite` or `deemed` (HA/DH)
    #[serde(rename = "type")]
    pub consent_type: String,
    /// `active`, `superseded`, `revoked` or `ended`
    pub status: String,
    /// Active and not expired: the provider may view the record now.
    pub in_force: bool,
    pub channel: String,
    pub given_by: String,
    pub given_by_id: Option<String>,
    pub given_at: String,
    pub expires_at: Option<String>,
    pub ended_at: Option<String>,
    pub ended_by: Option<String>,
    pub superseded_by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentList {
    /// Every consent row, newest first: the full history.
    pub consents: Vec<ConsentItem>,
}

fn item(c: &SharingConsent, names: Option<(&str, &str)>) -> ConsentItem {
    let now = Utc::now();
    let in_force = consent_in_force(c.status, c.expires_at.map(|t| t.and_utc()), now);
    ConsentItem {
        id: c.id.clone(),
        hcp_id: c.provider_id.clone(),
        provider_name_en: names.map(|n| n.0.to_owned()),
        provider_name_zh: names.map(|n| n.1.to_owned()),
        consent_type: c.consent_type.as_str().to_owned(),
        status: c.status.as_str().to_owned(),
        in_force,
        channel: c.channel.as_str().to_owned(),
        given_by: c.actor_kind.as_str().to_owned(),
        given_by_id: c.actor_id.clone(),
        given_at: c.given_at.and_utc().to_rfc3339(),
        expires_at: c.expires_at.map(|t| t.and_utc().to_rfc3339()),
        ended_at: c.ended_at.map(|t| t.and_utc().to_rfc3339()),
        ended_by: c.ended_actor_kind.map(|k| k.as_str().to_owned()),
        superseded_by: c.superseded_by.clone(),
    }
}

fn view_item(v: &ConsentView) -> ConsentItem {
    item(
        &v.consent,
        v.provider
            .as_ref()
            .map(|p| (p.name_en.as_str(), p.name_zh.as_str())),
    )
}

/// The changed consent with its provider's names, as the list shows it.
fn with_provider(conn: &mut DbConn, consent: SharingConsent) -> CoreResult<ConsentView> {
    let provider = providers::find(conn, &consent.provider_id)?;
    Ok(ConsentView { consent, provider })
}

/// The patient's consents, deemed HA/DH included, with their history.
#[utoipa::path(get, path = "/v1/app/consents", tag = "consents", security(("bearer" = [])),
    responses((status = 200, body = ConsentList), (status = 401, body = ErrorBody)))]
pub async fn list(services: web::Data<Services>, acting: Acting) -> Result<HttpResponse, ApiError> {
    let rows = blocking(move || {
        let mut conn = services.db.get()?;
        app_acts::consent_history(&mut conn, &acting.patient_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ConsentList {
        consents: rows.iter().map(view_item).collect(),
    }))
}

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
    let request = ConsentRequest {
        patient_id: acting.patient_id,
        provider_id,
        consent_type,
        channel: ConsentChannel::App,
        actor: acting.actor,
    };
    let view = blocking(move || {
        let mut conn = services.db.get()?;
        let consent = consent::give(&mut conn, &request, Utc::now())?;
        with_provider(&mut conn, consent)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view_item(&view)))
}

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
    Ok(HttpResponse::Ok().json(view_item(&view)))
}
