//! `POST /v1/app/applications`, `GET /v1/app/applications/{id}`,
//! `POST /v1/app/applications/{id}/verify-mobile`, `POST /v1/app/applications/{id}/resend-code`.
//! The application id (random, unguessable) is what the applicant holds until they are
//! registered; it shows the state of the application and nothing more.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::application;
use ehealth_core::actions::code_requests::{CodeRequest, RequestLimits};
use ehealth_core::actions::codes::CodePolicy;
use ehealth_core::actions::registration::{Particulars, ParticularsText};
use ehealth_core::context::Services;
use ehealth_core::db::applications::Application;
use ehealth_core::ids::OneTimeCode;
use ehealth_core::CoreError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::input::{ErrorBody, IdDocumentBody};
use crate::http::client::ClientAddress;
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationBody {
    pub id_document: IdDocumentBody,
    pub name_en: String,
    pub name_zh: Option<String>,
    /// YYYY-MM-DD
    pub date_of_birth: String,
    /// `F`, `M` or `U`
    pub sex: String,
    pub mobile: String,
    pub email: Option<String>,
    pub postal_address: Option<String>,
    /// `en`, `zh-Hant` or `zh-Hans`
    pub language: String,
    /// Any of `sms`, `email`, `post`
    pub notification_means: Vec<String>,
}

impl ApplicationBody {
    pub(crate) fn parse(&self) -> Result<Particulars, CoreError> {
        let text = ParticularsText {
            name_en: &self.name_en,
            name_zh: self.name_zh.as_deref(),
            date_of_birth: &self.date_of_birth,
            sex: &self.sex,
            mobile: &self.mobile,
            email: self.email.as_deref(),
            postal_address: self.postal_address.as_deref(),
            language: &self.language,
            notification_means: &self.notification_means,
        };
        Particulars::parse(self.id_document.parse()?, &text)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: String,
    /// `pending_mobile_verification`, `pending_identity_verification`, `completed`, `cancelled`
    pub status: String,
    pub name_en: String,
    /// The mobile the code went to, partly hidden.
    pub mobile_hint: String,
    pub created_at: String,
    pub updated_at: String,
    /// When the last code sent expires (only right after sending).
    pub code_expires_at: Option<String>,
}

pub(crate) fn hint(mobile: &str) -> String {
    let tail: String = mobile
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("****{tail}")
}

pub(crate) fn view(app: &Application, code_expires_at: Option<String>) -> ApplicationView {
    ApplicationView {
        id: app.id.clone(),
        status: app.status.clone(),
        name_en: app.name_en.clone(),
        mobile_hint: hint(&app.mobile),
        created_at: app.created_at.and_utc().to_rfc3339(),
        updated_at: app.updated_at.and_utc().to_rfc3339(),
        code_expires_at,
    }
}

pub(crate) fn limits(services: &Services) -> (CodePolicy, RequestLimits) {
    let security = &services.config.security;
    (CodePolicy::of(security), RequestLimits::of(security))
}

/// Apply to join; a 6-digit code is sent to the mobile. Limited per identity document,
/// per client and in all (429), and per mobile number.
#[utoipa::path(post, path = "/v1/app/applications", tag = "joining", request_body = ApplicationBody,
    responses((status = 201, body = ApplicationView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn create(
    services: web::Data<Services>,
    client: ClientAddress,
    body: web::Json<ApplicationBody>,
) -> Result<HttpResponse, ApiError> {
    let particulars = body.parse()?;
    let (app, sent) = blocking(move || {
        let mut conn = services.db.get()?;
        let (policy, limits) = limits(&services);
        let now = Utc::now();
        let hasher = &services.hasher;
        application::apply(
            &mut conn,
            hasher,
            &policy,
            &limits,
            &client.0,
            &particulars,
            now,
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(view(&app, Some(sent.expires_at.to_rfc3339()))))
}

/// The state of an application.
#[utoipa::path(get, path = "/v1/app/applications/{id}", tag = "joining",
    responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody)))]
pub async fn show(
    services: web::Data<Services>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let app = blocking(move || {
        let mut conn = services.db.get()?;
        application::find(&mut conn, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view(&app, None)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    /// The 6-digit code received.
    pub code: String,
}

/// The code sent to the mobile moves the application to identity verification.
#[utoipa::path(post, path = "/v1/app/applications/{id}/verify-mobile", tag = "joining", request_body = CodeBody,
    responses((status = 200, body = ApplicationView), (status = 401, body = ErrorBody), (status = 423, body = ErrorBody)))]
pub async fn verify_mobile(
    services: web::Data<Services>,
    id: web::Path<String>,
    body: web::Json<CodeBody>,
) -> Result<HttpResponse, ApiError> {
    let code = OneTimeCode::parse(&body.code)?;
    let id = id.into_inner();
    let app = blocking(move || {
        let mut conn = services.db.get()?;
        application::verify_mobile(&mut conn, &services.hasher, &id, &code, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Ok().json(view(&app, None)))
}

/// Sends a new code (the previous one stops working); throttled.
#[utoipa::path(post, path = "/v1/app/applications/{id}/resend-code", tag = "joining",
    responses((status = 200, body = ApplicationView), (status = 429, body = ErrorBody)))]
pub async fn resend_code(
    services: web::Data<Services>,
    client: ClientAddress,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (app, sent) = blocking(move || {
        let mut conn = services.db.get()?;
        let (policy, limits) = limits(&services);
        let asking = CodeRequest {
            client: &client.0,
            identifier: None,
        };
        let sent = application::resend_code(
            &mut conn,
            &services.hasher,
            &policy,
            &limits,
            &asking,
            &id,
            Utc::now(),
        )?;
        Ok((application::find(&mut conn, &id)?, sent))
    })
    .await?;
    Ok(HttpResponse::Ok().json(view(&app, Some(sent.expires_at.to_rfc3339()))))
}
