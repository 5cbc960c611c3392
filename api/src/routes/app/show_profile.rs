//! `GET /v1/app/me`.

use actix_web::{web, HttpResponse};
use ehealth_core::actions::active_patient;
use ehealth_core::context::Services;
use ehealth_core::db::sdm;
use ehealth_core::ids::SdmId;
use ehealth_core::CoreError;
use serde::Serialize;
use utoipa::ToSchema;

use super::acting::MeSubject;
use super::input::ErrorBody;
use super::profile::{profile, Profile};
use crate::http::errors::{blocking, ApiError};

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
    sdm_id: &SdmId,
) -> ehealth_core::CoreResult<SdmProfile> {
    let maker = sdm::find(conn, sdm_id)?.ok_or(CoreError::NotFound("sdm"))?;
    let acts_for = sdm::current_links_of(conn, sdm_id)?
        .into_iter()
        .map(|(link, ehr_number, name_en)| ActingForView {
            ehr_number,
            name_en,
            relationship: link.relationship,
            basis: link.basis.to_string(),
            status: link.status.to_string(),
            since: link.valid_from.and_utc().to_rfc3339(),
        })
        .collect();
    Ok(SdmProfile {
        subject_kind: "sdm".to_owned(),
        name_en: maker.name_en,
        name_zh: maker.name_zh,
        mobile: maker.mobile,
        language: maker.language.to_string(),
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
