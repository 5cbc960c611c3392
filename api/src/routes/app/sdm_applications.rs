//! `POST /v1/app/sdm-applications` (issue 14): a substitute decision maker applies for a
//! patient — the patient's particulars, the SDM's own, the relationship and the documents
//! that prove it. The code goes to the SDM's mobile; the application then goes on like
//! any other (`/v1/app/applications/{id}/verify-mobile`, then a counter or the Office).
//! The answer does not depend on whether the patient or the SDM is registered.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::sdm_application::{self, SdmApplicationRequest, SdmParticulars};
use ehealth_core::context::Services;
use ehealth_core::domain::{EmailAddress, Language, MobileNumber, PersonName};
use ehealth_core::rules::sdm::{DocumentReference, ProofDocument};
use ehealth_core::CoreError;
use serde::Deserialize;
use utoipa::ToSchema;

use super::input::{self, ErrorBody, IdDocumentBody};
use super::joining::{hint, limits, view, ApplicationBody, ApplicationView};
use crate::http::client::ClientAddress;
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SdmBody {
    pub id_document: IdDocumentBody,
    pub name_en: String,
    pub name_zh: Option<String>,
    /// YYYY-MM-DD
    pub date_of_birth: String,
    /// The SDM's own mobile: the code goes there.
    pub mobile: String,
    pub email: Option<String>,
    /// `en`, `zh-Hant` or `zh-Hans`
    pub language: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProofDocumentBody {
    /// `birth_certificate`, `court_order`, `guardianship_order`,
    /// `medical_certificate_of_incapacity`, `proof_of_family_or_residence`, `provider_letter`
    #[serde(rename = "type")]
    pub kind: String,
    /// The number or reference printed on it.
    pub reference: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SdmApplicationBody {
    /// The patient's particulars, as in `POST /v1/app/applications`.
    pub patient: ApplicationBody,
    pub sdm: SdmBody,
    /// `parent`, `court_appointed_guardian`, `mental_health_ordinance_guardian`,
    /// `family_member`, `resides_with`, `healthcare_provider_staff` (docs/product.md)
    pub relationship: String,
    pub documents: Vec<ProofDocumentBody>,
}

fn under_patient(e: CoreError) -> CoreError {
    let CoreError::InvalidInput { field, reason } = e else {
        return e;
    };
    let path = match field {
        "name_en" => "patient.name_en",
        "name_zh" => "patient.name_zh",
        "date_of_birth" => "patient.date_of_birth",
        "sex" => "patient.sex",
        "mobile" => "patient.mobile",
        "email" => "patient.email",
        "postal_address" => "patient.postal_address",
        "language" => "patient.language",
        "notification_means" => "patient.notification_means",
        "id_document.type" => "patient.id_document.type",
        "id_document.number" => "patient.id_document.number",
        "id_document.place" => "patient.id_document.place",
        other => other,
    };
    CoreError::invalid(path, reason)
}

fn renamed(field: &'static str) -> impl Fn(CoreError) -> CoreError {
    move |e| match e {
        CoreError::InvalidInput { reason, .. } => CoreError::invalid(field, reason),
        other => other,
    }
}

impl SdmBody {
    fn parse(&self) -> Result<SdmParticulars, CoreError> {
        let doc = &self.id_document;
        Ok(SdmParticulars {
            document: doc.parse().map_err(|e| match e {
                CoreError::InvalidInput { reason, .. } => {
                    CoreError::invalid("sdm.id_document", reason)
                }
                other => other,
            })?,
            name_en: PersonName::parse_english(&self.name_en).map_err(renamed("sdm.name_en"))?,
            name_zh: self
                .name_zh
                .as_deref()
                .map(PersonName::parse_chinese)
                .transpose()
                .map_err(renamed("sdm.name_zh"))?,
            date_of_birth: input::date("sdm.date_of_birth", &self.date_of_birth)?,
            mobile: MobileNumber::parse(&self.mobile).map_err(renamed("sdm.mobile"))?,
            email: self
                .email
                .as_deref()
                .map(EmailAddress::parse)
                .transpose()
                .map_err(renamed("sdm.email"))?,
            language: Language::parse(&self.language).map_err(renamed("sdm.language"))?,
        })
    }
}

impl SdmApplicationBody {
    fn parse(&self) -> Result<SdmApplicationRequest, CoreError> {
        if self.documents.is_empty() || self.documents.len() > 8 {
            return Err(CoreError::invalid("documents", "give 1 to 8 documents"));
        }
        let documents = self
            .documents
            .iter()
            .map(|d| {
                Ok(DocumentReference {
                    document: ProofDocument::parse(&d.kind)?,
                    reference: input::text("documents.reference", &d.reference, 60)?,
                })
            })
            .collect::<Result<Vec<_>, CoreError>>()?;
        Ok(SdmApplicationRequest {
            patient: self.patient.parse().map_err(under_patient)?,
            sdm: self.sdm.parse()?,
            relationship: input::text("relationship", &self.relationship, 60)?,
            documents,
        })
    }
}

/// Apply, as a substitute decision maker, for a patient; a 6-digit code is sent to the
/// SDM's mobile. Limited per SDM identity document, per client and in all (429).
#[utoipa::path(post, path = "/v1/app/sdm-applications", tag = "joining", request_body = SdmApplicationBody,
    responses((status = 201, body = ApplicationView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn create(
    services: web::Data<Services>,
    client: ClientAddress,
    body: web::Json<SdmApplicationBody>,
) -> Result<HttpResponse, ApiError> {
    let req = body.parse()?;
    let sdm_mobile = req.sdm.mobile.to_string();
    let (app, sent) = blocking(move || {
        let mut conn = services.db.get()?;
        let (policy, limits) = limits(&services);
        sdm_application::apply(
            &mut conn,
            &services.hasher,
            &policy,
            &limits,
            &client.0,
            &req,
            Utc::now(),
        )
    })
    .await?;
    let mut shown = view(&app, Some(sent.expires_at.to_rfc3339()));
    shown.mobile_hint = hint(&sdm_mobile);
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(shown))
}
