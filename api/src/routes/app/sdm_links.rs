//! `DELETE /v1/app/acting-for/{ehr_number}` (issue 14): a substitute decision maker stops
//! acting for a patient. The consents they gave stay in force. A link that does not exist,
//! has ended, or is someone else's is answered as for an outsider (`not_linked`).

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::sdm_links;
use ehealth_core::actions::sign_in::SDM;
use ehealth_core::context::Services;
use ehealth_core::domain::{Actor, ActorKind};
use ehealth_core::ids::{EhrNumber, SdmId};
use ehealth_core::CoreError;
use ehealth_core::ErrorCode;

use super::input::ErrorBody;
use crate::http::auth::Bearer;
use crate::http::errors::{blocking, ApiError};

fn not_linked() -> ApiError {
    CoreError::refused(ErrorCode::NotLinked, "you do not act for this patient").into()
}

/// The SDM ends their own link to the patient; both are told.
#[utoipa::path(delete, path = "/v1/app/acting-for/{ehr_number}", tag = "profile", security(("bearer" = [])),
    params(("ehr_number" = String, Path, description = "the patient's eHR number")),
    responses((status = 204, description = "ended"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn end(
    services: web::Data<Services>,
    bearer: Bearer,
    ehr_number: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let ehr = EhrNumber::parse(&ehr_number)?;
    let session = bearer.session;
    if session.subject_kind != SDM {
        return Err(not_linked());
    }
    blocking(move || {
        let mut conn = services.db.get()?;
        let actor = Actor::new(ActorKind::Sdm, session.subject_id.clone());
        sdm_links::end_by_sdm(
            &mut conn,
            &SdmId::new(session.subject_id.as_str()),
            &actor,
            ehr.as_str(),
            Utc::now(),
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
