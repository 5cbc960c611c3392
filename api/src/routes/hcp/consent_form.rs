//! `POST /v1/hcp/consents/form`: record sharing consent from a signed consent form (or a
//! smart HKIC read at the counter: `"channel": "smart_hkic"`). The professional names the
//! identity document they checked (it must be the patient's) and, for a form, the scanned
//! form's document number and SHA-256; an eHR number alone is not enough.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::consent_history::with_provider;
use ehealth_core::actions::form_consent::{self, FormConsentRequest, ScannedForm};
use ehealth_core::context::Services;
use ehealth_core::domain::{AccountRole, ConsentChannel, ConsentType};
use ehealth_core::ids::EhrNumber;
use ehealth_core::{CoreError, CoreResult};
use serde::Deserialize;

use super::staff::{AccountSession, IdDocumentBody};
use crate::http::errors::{blocking, ApiError};
use crate::routes::consent_item::ConsentItem;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormConsentBody {
    /// Optional: the patient is found by the document; if given, they must agree.
    pub ehr_number: Option<String>,
    /// The identity document checked at the counter (required).
    pub id_document: Option<IdDocumentBody>,
    #[serde(rename = "type")]
    pub consent_type: String,
    /// `form` (default) or `smart_hkic`.
    pub channel: Option<String>,
    /// The scanned, signed form (required for `form`).
    pub form: Option<ScannedFormBody>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScannedFormBody {
    /// The document number the provider's records give the scanned form.
    pub document_number: String,
    /// SHA-256 of the scanned file, hexadecimal.
    pub sha256: String,
}

impl FormConsentBody {
    fn parse(&self) -> CoreResult<FormConsentRequest> {
        let document = self
            .id_document
            .as_ref()
            .ok_or_else(|| CoreError::invalid("id_document", "name the identity document checked"))?
            .parse()?;
        Ok(FormConsentRequest {
            ehr_number: self
                .ehr_number
                .as_deref()
                .map(EhrNumber::parse)
                .transpose()?,
            document,
            form: self
                .form
                .as_ref()
                .map(|f| ScannedForm::parse(&f.document_number, &f.sha256))
                .transpose()?,
            channel: ConsentChannel::parse(self.channel.as_deref().unwrap_or("form"))?,
            consent_type: ConsentType::parse(&self.consent_type)?,
        })
    }
}

#[utoipa::path(post, path = "/v1/hcp/consents/form", tag = "hcp", security(("bearer" = [])), request_body = FormConsentBody, responses((status = 201, description = "the consent recorded", body = ConsentItem), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody), (status = 409, body = crate::routes::app::input::ErrorBody)))]
pub async fn handle(
    services: web::Data<Services>,
    session: AccountSession,
    body: web::Json<FormConsentBody>,
) -> Result<HttpResponse, ApiError> {
    let request = body.parse()?;
    let view = blocking(move || {
        let mut conn = services.db.get()?;
        let staff = session.authorise(&mut conn, AccountRole::Hcprof)?;
        let consent = form_consent::record(&mut conn, &staff, &request, Utc::now())?;
        with_provider(&mut conn, consent)
    })
    .await?;
    Ok(HttpResponse::Created().json(ConsentItem::of(&view, Utc::now())))
}
