//! `PATCH /v1/app/me/preferences`.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::codes::CodePolicy;
use ehealth_core::actions::preferences::{self, PreferenceChange};
use ehealth_core::context::Services;
use ehealth_core::domain::{
    EmailAddress, Language, MobileNumber, NotificationMeans, PostalAddress,
};
use ehealth_core::CoreError;
use serde::Deserialize;
use utoipa::ToSchema;

use super::acting::Acting;
use super::input::ErrorBody;
use super::profile::{profile, Profile};
use crate::http::errors::{blocking, ApiError};

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
                .map(|a| PostalAddress::parse(a).map(Some))
                .transpose()?,
            new_mobile: self
                .mobile
                .as_deref()
                .map(MobileNumber::parse)
                .transpose()?,
            new_email: self.email.as_deref().map(EmailAddress::parse).transpose()?,
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
