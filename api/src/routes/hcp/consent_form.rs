//! `POST /v1/hcp/consents/form`: record sharing consent from a signed consent form (or a
//! smart HKIC read at the counter: `"channel": "smart_hkic"`).

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::counter_consent;
use ehealth_core::context::Services;
use ehealth_core::domain::{AccountRole, ConsentChannel, ConsentType};
use serde::Deserialize;

use super::consent_json;
use super::staff::{patient_ref, AccountSession, IdDocumentBody};
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormConsentBody {
    pub ehr_number: Option<String>,
    pub id_document: Option<IdDocumentBody>,
    #[serde(rename = "type")]
    pub consent_type: String,
    /// `form` (default) or `smart_hkic`.
    pub channel: Option<String>,
}

#[utoipa::path(post, path = "/v1/hcp/consents/form", tag = "hcp", security(("bearer" = [])), request_body = FormConsentBody, responses((status = 201, description = "done", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody)))]
pub async fn handle(
    services: web::Data<Services>,
    session: AccountSession,
    body: web::Json<FormConsentBody>,
) -> Result<HttpResponse, ApiError> {
    let who = patient_ref(body.ehr_number.as_deref(), body.id_document.as_ref())?;
    let consent_type = ConsentType::parse(&body.consent_type)?;
    let channel = ConsentChannel::parse(body.channel.as_deref().unwrap_or("form"))?;
    let consent = blocking(move || {
        let mut conn = services.db.get()?;
        let staff = session.authorise(&mut conn, AccountRole::Hcprof)?;
        counter_consent::recorded(&mut conn, &staff, &who, channel, consent_type, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Created().json(consent_json(&consent)))
}
