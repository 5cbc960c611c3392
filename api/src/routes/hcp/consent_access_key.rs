//! `POST /v1/hcp/consents/access-key`: give, renew, change or revoke this provider's
//! sharing consent with the patient's 8-digit access key.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::consent_history::with_provider;
use ehealth_core::actions::counter_consent::{self, KeyAction};
use ehealth_core::context::Services;
use ehealth_core::domain::{AccountRole, ConsentType};
use ehealth_core::ids::AccessKey;
use serde::Deserialize;

use super::staff::{patient_ref, AccountSession, IdDocumentBody};
use crate::http::errors::{blocking, ApiError};
use crate::routes::consent_item::ConsentItem;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessKeyConsentBody {
    pub ehr_number: Option<String>,
    pub id_document: Option<IdDocumentBody>,
    pub access_key: String,
    pub action: String,
    #[serde(rename = "type")]
    pub consent_type: Option<String>,
}

#[utoipa::path(post, path = "/v1/hcp/consents/access-key", tag = "hcp", security(("bearer" = [])), request_body = AccessKeyConsentBody, responses((status = 200, description = "the consent as it now stands", body = ConsentItem), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody), (status = 409, body = crate::routes::app::input::ErrorBody), (status = 423, body = crate::routes::app::input::ErrorBody), (status = 429, body = crate::routes::app::input::ErrorBody)))]
pub async fn handle(
    services: web::Data<Services>,
    session: AccountSession,
    body: web::Json<AccessKeyConsentBody>,
) -> Result<HttpResponse, ApiError> {
    let who = patient_ref(body.ehr_number.as_deref(), body.id_document.as_ref())?;
    let key = AccessKey::parse(&body.access_key)?;
    let action = KeyAction::parse(&body.action)?;
    let consent_type = body
        .consent_type
        .as_deref()
        .map(ConsentType::parse)
        .transpose()?;
    let view = blocking(move || {
        let mut conn = services.db.get()?;
        let staff = session.authorise(&mut conn, AccountRole::Hcprof)?;
        let consent = counter_consent::with_access_key(
            &mut conn,
            &services.hasher,
            &services.config.security,
            &staff,
            &who,
            &key,
            action,
            consent_type,
            Utc::now(),
        )?;
        with_provider(&mut conn, consent)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ConsentItem::of(&view, Utc::now())))
}
