//! `GET /v1/app/me`, `PATCH /v1/app/me/preferences`, `POST /v1/app/me/contact-verification`.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::app_acts;
use ehealth_core::actions::codes::{CodePolicy, CodePurpose};
use ehealth_core::actions::preferences::{self, PreferenceChange};
use ehealth_core::context::Services;
use ehealth_core::db::patients::Patient;
use ehealth_core::domain::{EmailAddress, Language, MobileNumber, NotificationMeans};
use ehealth_core::ids::OneTimeCode;
use ehealth_core::CoreError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::acting::Acting;
use super::input::{self, ErrorBody};
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Serialize, ToSchema)]
pub struct Profile {
    pub ehr_number: String,
    pub name_en: String,
    pub name_zh: Option<String>,
    pub date_of_birth: String,
    pub mobile: String,
    pub email: Option<String>,
    pub postal_address: Option<String>,
    pub language: String,
    pub notification_means: Vec<String>,
    pub status: String,
    /// Contact details waiting for the code sent to them (after a change).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pending_verification: Vec<String>,
}

fn profile(p: &Patient, pending: &[&str]) -> Profile {
    Profile {
        ehr_number: p.ehr_number.clone(),
        name_en: p.name_en.clone(),
        name_zh: p.name_zh.clone(),
        date_of_birth: p.date_of_birth.to_string(),
        mobile: p.mobile.clone(),
        email: p.email.clone(),
        postal_address: p.postal_address.clone(),
        language: p.language.clone(),
        notification_means: p
            .notification_means()
            .iter()
            .map(|m| m.as_str().to_owned())
            .collect(),
        status: p.status.clone(),
        pending_verification: pending.iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// The patient's profile (for an SDM: the patient they act for).
#[utoipa::path(get, path = "/v1/app/me", tag = "profile", security(("bearer" = [])),
    responses((status = 200, body = Profile), (status = 401, body = ErrorBody)))]
pub async fn show(services: web::Data<Services>, acting: Acting) -> Result<HttpResponse, ApiError> {
    let patient = blocking(move || {
        let mut conn = services.db.get()?;
        app_acts::patient(&mut conn, &acting.patient_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(profile(&patient, &[])))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesBody {
    /// `en`, `zh-Hant` or `zh-Hans`
    pub language: Option<String>,
    /// Any of `sms`, `email`, `post` (at least one)
    pub notification_means: Option<Vec<String>>,
    /// A new mobile: used once the code sent to it is confirmed.
    pub mobile: Option<String>,
    /// A new email: used once the code sent to it is confirmed.
    pub email: Option<String>,
    pub postal_address: Option<String>,
}

impl PreferencesBody {
    fn parse(&self) -> Result<PreferenceChange, CoreError> {
        let means = match &self.notification_means {
            Some(list) if list.len() > 3 => {
                return Err(CoreError::invalid(
                    "notification_means",
                    "at most sms, email, post",
                ))
            }
            Some(list) => Some(
                list.iter()
                    .map(|m| NotificationMeans::parse(m))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            None => None,
        };
        Ok(PreferenceChange {
            language: self.language.as_deref().map(Language::parse).transpose()?,
            means,
            postal_address: self
                .postal_address
                .as_deref()
                .map(|a| input::text("postal_address", a, 500).map(Some))
                .transpose()?,
            new_mobile: self
                .mobile
                .as_deref()
                .map(|m| MobileNumber::parse(m).map(String::from))
                .transpose()?,
            new_email: self
                .email
                .as_deref()
                .map(|e| EmailAddress::parse(e).map(String::from))
                .transpose()?,
        })
    }
}

/// Changes language and notification means at once; a new mobile or email is sent a code.
#[utoipa::path(patch, path = "/v1/app/me/preferences", tag = "profile", security(("bearer" = [])), request_body = PreferencesBody,
    responses((status = 200, body = Profile), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn update(
    services: web::Data<Services>,
    acting: Acting,
    body: web::Json<PreferencesBody>,
) -> Result<HttpResponse, ApiError> {
    let change = body.parse()?;
    let changed = blocking(move || {
        let mut conn = services.db.get()?;
        let policy = CodePolicy::of(&services.config.security);
        preferences::change(
            &mut conn,
            &services.hasher,
            &policy,
            &acting.patient_id,
            &change,
            &acting.actor,
            Utc::now(),
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(profile(&changed.patient, &changed.pending_verification)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactCodeBody {
    /// `mobile` or `email`
    pub contact: String,
    pub code: String,
}

/// The code sent to a new mobile or email makes it the one used.
#[utoipa::path(post, path = "/v1/app/me/contact-verification", tag = "profile", security(("bearer" = [])), request_body = ContactCodeBody,
    responses((status = 200, body = Profile), (status = 401, body = ErrorBody), (status = 423, body = ErrorBody)))]
pub async fn verify_contact(
    services: web::Data<Services>,
    acting: Acting,
    body: web::Json<ContactCodeBody>,
) -> Result<HttpResponse, ApiError> {
    let purpose = match body.contact.as_str() {
        "mobile" => CodePurpose::NewMobile,
        "email" => CodePurpose::NewEmail,
        _ => return Err(CoreError::invalid("contact", "must be mobile or email").into()),
    };
    let code = OneTimeCode::parse(&body.code)?;
    let patient = blocking(move || {
        let mut conn = services.db.get()?;
        preferences::confirm_contact(
            &mut conn,
            &services.hasher,
            &acting.patient_id,
            purpose,
            &code,
            &acting.actor,
            Utc::now(),
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(profile(&patient, &[])))
}
