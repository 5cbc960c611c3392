//! A provider applies to join (issue 16): `POST /v1/hcp/provider-applications` (public:
//! what a registration form calls) and `POST /v1/hcp/provider-applications/{reference}/documents`
//! (the applicant adds documents the Office asked for, with the secret sent to the
//! contact's email). Both are throttled per client address and answer nothing that tells
//! whether an application exists: a new application and a copy of an open one get the
//! same 202; a wrong reference and a wrong secret the same 404.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::provider_applications::{
    self, DocumentInput, FirstAdministrator, NewApplication,
};
use ehealth_core::context::Services;
use ehealth_core::db::provider_applications::{ProviderApplication, ProviderDocument};
use ehealth_core::domain::{
    DocumentType, EmailAddress, EstablishmentType, Language, PostalAddress, Profession,
};
use ehealth_core::CoreError;
use serde::Deserialize;
use serde_json::{json, Value};

use super::create_account::parse_date;
use crate::http::client::ClientAddress;
use crate::http::errors::{blocking, ApiError};
use crate::routes::admin::register_provider::renamed;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentBody {
    /// One of the supporting document types (see docs/counter-and-office.md).
    #[serde(rename = "type")]
    pub kind: String,
    pub number: String,
    pub issuing_authority: String,
    /// `YYYY-MM-DD`: its last valid day, if it expires.
    pub expires_on: Option<String>,
    /// The reference of the scanned copy in the document store.
    pub scan_ref: String,
}

impl DocumentBody {
    pub fn parse(&self) -> Result<DocumentInput, CoreError> {
        Ok(DocumentInput {
            kind: renamed("documents", DocumentType::parse(&self.kind))?,
            number: self.number.clone(),
            issuing_authority: self.issuing_authority.clone(),
            expires_on: self
                .expires_on
                .as_deref()
                .map(|d| parse_date("documents", d))
                .transpose()?,
            scan_ref: self.scan_ref.clone(),
        })
    }
}

pub fn parse_documents(list: &[DocumentBody]) -> Result<Vec<DocumentInput>, CoreError> {
    if list.len() > 20 {
        return Err(CoreError::invalid("documents", "at most 20 documents"));
    }
    list.iter().map(DocumentBody::parse).collect()
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdministratorBody {
    pub name: String,
    /// Their sign-in name at the new provider.
    pub username: String,
    /// Where the activation code goes on approval.
    pub email: String,
    pub profession: Option<String>,
    pub registration_number: Option<String>,
    /// `YYYY-MM-DD`.
    pub registration_expires_on: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderApplicationBody {
    pub name_en: String,
    pub name_zh: String,
    /// Not `hospital_authority` nor `department_of_health`.
    pub establishment_type: String,
    pub address: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    /// `en` (default), `zh-Hant` or `zh-Hans`.
    pub language: Option<String>,
    pub administrator: AdministratorBody,
    pub documents: Vec<DocumentBody>,
}

impl ProviderApplicationBody {
    pub fn parse(&self) -> Result<NewApplication, CoreError> {
        let a = &self.administrator;
        Ok(NewApplication {
            name_en: self.name_en.clone(),
            name_zh: self.name_zh.clone(),
            establishment_type: EstablishmentType::parse(&self.establishment_type)?,
            address: renamed("address", PostalAddress::parse(&self.address))?,
            contact_name: self.contact_name.clone(),
            contact_email: renamed("contact_email", EmailAddress::parse(&self.contact_email))?,
            contact_phone: self.contact_phone.clone(),
            language: self
                .language
                .as_deref()
                .map(Language::parse)
                .transpose()?
                .unwrap_or(Language::English),
            administrator: FirstAdministrator {
                name: a.name.clone(),
                username: a.username.clone(),
                email: renamed("administrator.email", EmailAddress::parse(&a.email))?,
                profession: a
                    .profession
                    .as_deref()
                    .map(|p| renamed("administrator.profession", Profession::parse(p)))
                    .transpose()?,
                registration_number: a.registration_number.clone(),
                registration_expires_on: a
                    .registration_expires_on
                    .as_deref()
                    .map(|d| parse_date("administrator.registration_expires_on", d))
                    .transpose()?,
            },
            documents: parse_documents(&self.documents)?,
        })
    }
}

pub fn document_json(d: &ProviderDocument) -> Value {
    json!({
        "id": d.id,
        "type": d.document_type,
        "number": d.number,
        "issuing_authority": d.issuing_authority,
        "expires_on": d.expires_on.map(|x| x.to_string()),
        "scan_ref": d.scan_ref,
        "added_at": d.added_at.and_utc().to_rfc3339(),
        "expired_at": d.expired_at.map(|t| t.and_utc().to_rfc3339()),
        "replaced_by": d.replaced_by,
    })
}

/// The application as the Office sees it (never the applicant's secret).
pub fn application_json(a: &ProviderApplication, documents: &[ProviderDocument]) -> Value {
    json!({
        "id": a.id,
        "reference": a.reference,
        "channel": a.channel,
        "status": a.status,
        "name_en": a.name_en,
        "name_zh": a.name_zh,
        "establishment_type": a.establishment_type,
        "address": a.address,
        "contact": { "name": a.contact_name, "email": a.contact_email, "phone": a.contact_phone },
        "language": a.language,
        "administrator": {
            "name": a.admin_name,
            "username": a.admin_username,
            "email": a.admin_email,
            "profession": a.admin_profession,
            "registration_number": a.admin_registration_number,
            "registration_expires_on": a.admin_registration_expires_on.map(|d| d.to_string()),
            "account_id": a.admin_account_id,
        },
        "office_note": a.office_note,
        "provider_id": a.provider_id,
        "documents": documents.iter().map(document_json).collect::<Vec<_>>(),
        "created_at": a.created_at.and_utc().to_rfc3339(),
        "updated_at": a.updated_at.and_utc().to_rfc3339(),
        "decided_at": a.decided_at.map(|t| t.and_utc().to_rfc3339()),
    })
}

fn received() -> HttpResponse {
    HttpResponse::Accepted()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({
            "status": "received",
            "message": "the application was received; its reference is sent to the contact's email",
        }))
}

#[utoipa::path(post, path = "/v1/hcp/provider-applications", tag = "hcp", request_body = ProviderApplicationBody,
    responses((status = 202, description = "received (the same answer for a copy of an open application); the reference goes to the contact's email", content_type = "application/json"), (status = 400, description = "invalid_input naming the field; a missing supporting document is named in the message", body = crate::routes::app::input::ErrorBody), (status = 429, body = crate::routes::app::input::ErrorBody)))]
pub async fn submit(
    services: web::Data<Services>,
    client: ClientAddress,
    body: web::Json<ProviderApplicationBody>,
) -> Result<HttpResponse, ApiError> {
    let new = body.parse()?;
    blocking(move || {
        let mut conn = services.db.get()?;
        provider_applications::submit_online(
            &mut conn,
            &services.hasher,
            &client.0,
            services.config.providers.form_tries_per_hour,
            &new,
            Utc::now(),
        )
    })
    .await?;
    Ok(received())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantDocumentsBody {
    /// The secret sent to the contact's email with the reference.
    pub secret: String,
    pub documents: Vec<DocumentBody>,
}

#[utoipa::path(post, path = "/v1/hcp/provider-applications/{reference}/documents", tag = "hcp", request_body = ApplicantDocumentsBody,
    params(("reference" = String, Path, description = "the application's reference, PA-XXXXXXXX")),
    responses((status = 200, description = "added; the application is back with the Office", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 404, description = "no such reference, or a wrong secret (the same answer)", body = crate::routes::app::input::ErrorBody), (status = 409, description = "application_closed", body = crate::routes::app::input::ErrorBody), (status = 429, body = crate::routes::app::input::ErrorBody)))]
pub async fn add_documents(
    services: web::Data<Services>,
    client: ClientAddress,
    path: web::Path<String>,
    body: web::Json<ApplicantDocumentsBody>,
) -> Result<HttpResponse, ApiError> {
    let documents = parse_documents(&body.documents)?;
    let secret = body.secret.clone();
    let reference = path.into_inner();
    if reference.len() > 32 || secret.len() > 128 {
        return Err(CoreError::NotFound("provider_application").into());
    }
    let app = blocking(move || {
        let mut conn = services.db.get()?;
        provider_applications::add_documents_online(
            &mut conn,
            &client.0,
            services.config.providers.form_tries_per_hour,
            &reference,
            &secret,
            &documents,
            Utc::now(),
        )
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({ "reference": app.reference, "status": app.status })))
}
