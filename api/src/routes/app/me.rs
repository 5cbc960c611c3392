//! `GET /v1/app/me`, `PATCH /v1/app/me/preferences`, `POST /v1/app/me/contact-verification`.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::active_patient;
use ehealth_core::actions::codes::{CodePolicy, CodePurpose};
use ehealth_core::actions::preferences::{self, PreferenceChange};
use ehealth_core::context::Services;
use ehealth_core::db::patients::Patient;
use ehealth_core::db::sdm;
use ehealth_core::domain::{
    EmailAddress, Language, MobileNumber, NotificationMeans, PostalAddress,
};
use ehealth_core::ids::OneTimeCode;
use ehealth_core::CoreError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::acting::{Acting, MeSubject};
use super::input::ErrorBody;
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
        language: p.language.as_str().to_owned(),
        notification_means: p
            .notification_means()
            .iter()
            .map(|m| m.as_str().to_owned())
            .collect(),
        status: p.status.as_str().to_owned(),
        pending_verification: pending.iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// A patient a substitute decision maker acts for (issue 14).
#[derive(Debug, Serialize, ToSchema)]
pub struct ActingForView {
    /// Name it in `X-Acting-For` to act for them.
    pub ehr_number: String,
    pub name_en: String,
    pub relationship: String,
    /// `minor` or `lacking_capacity`
    pub basis: String,
    /// `active`, or `suspended` by the Office (acting is refused meanwhile)
    pub status: String,
    pub since: String,
}

/// An SDM signed in as themselves, naming no patient.
#[derive(Debug, Serialize, ToSchema)]
pub struct SdmProfile {
    /// Always `sdm`.
    pub subject_kind: String,
    pub name_en: String,
    pub name_zh: Option<String>,
    pub mobile: String,
    pub language: String,
    pub acts_for: Vec<ActingForView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum MeView {
    Patient(Profile),
    Sdm(SdmProfile),
}

fn sdm_profile(
    conn: &mut ehealth_core::db::DbConn,
    sdm_id: &str,
) -> ehealth_core::CoreResult<SdmProfile> {
    let maker = sdm::find(conn, sdm_id)?.ok_or(CoreError::NotFound("sdm"))?;
    let acts_for = sdm::current_links_of(conn, sdm_id)?
        .into_iter()
        .map(|(link, ehr_number, name_en)| ActingForView {
            ehr_number,
            name_en,
            relationship: link.relationship,
            basis: link.basis,
            status: link.status,
            since: link.valid_from.and_utc().to_rfc3339(),
        })
        .collect();
    Ok(SdmProfile {
        subject_kind: "sdm".to_owned(),
        name_en: maker.name_en,
        name_zh: maker.name_zh,
        mobile: maker.mobile,
        language: maker.language,
        acts_for,
    })
}

/// The patient's profile (for an SDM naming a patient in `X-Acting-For`: that patient's;
/// for an SDM naming none: the SDM and the patients they act for).
#[utoipa::path(get, path = "/v1/app/me", tag = "profile", security(("bearer" = [])),
    params(("X-Acting-For" = Option<String>, Header, description = "an SDM: the eHR number of the patient they act for")),
    responses((status = 200, body = MeView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn show(services: web::Data<Services>, who: MeSubject) -> Result<HttpResponse, ApiError> {
    let view = blocking(move || {
        let mut conn = services.db.get()?;
        match who {
            MeSubject::Acting(acting) => Ok(MeView::Patient(profile(
                &active_patient(&mut conn, &acting.patient_id)?,
                &[],
            ))),
            MeSubject::SdmSelf { sdm_id } => Ok(MeView::Sdm(sdm_profile(&mut conn, &sdm_id)?)),
        }
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(view))
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
