//! Who a `/v1/app` request acts for. A patient acts for themselves. A substitute decision
//! maker signs in as themselves and names the patient in `X-Acting-For: <eHR number>`;
//! the link is checked on every request, and every act records the SDM as the actor.

use ehealth_core::ErrorCode;
use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use ehealth_core::actions::sign_in::{PATIENT, SDM};
use ehealth_core::context::Services;
use ehealth_core::db::sdm;
use ehealth_core::domain::{Actor, ActorKind};
use ehealth_core::ids::EhrNumber;
use ehealth_core::CoreError;

use crate::http::auth::Bearer;
use crate::http::errors::{blocking, ApiError};

pub const ACTING_FOR: &str = "X-Acting-For";

/// The patient a request is about and who is acting.
#[derive(Debug, Clone)]
pub struct Acting {
    pub patient_id: String,
    pub actor: Actor,
}

impl Acting {
    /// Refuses an SDM where only the patient may act (their own devices, inbox, passkeys).
    pub fn patient_only(self) -> Result<Self, ApiError> {
        if self.actor.kind == ActorKind::Patient {
            Ok(self)
        } else {
            Err(CoreError::refused(ErrorCode::PatientOnly, "only the patient can do this").into())
        }
    }
}

fn not_for_app() -> ApiError {
    CoreError::refused(
        ErrorCode::NotAnAppSession,
        "sign in with the app to use this",
    )
    .into()
}

fn acting_for(req: &HttpRequest) -> Result<Option<EhrNumber>, ApiError> {
    let Some(value) = req.headers().get(ACTING_FOR) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| CoreError::invalid("X-Acting-For", "must be an eHR number"))?;
    EhrNumber::parse(text)
        .map(Some)
        .map_err(|_| CoreError::invalid("X-Acting-For", "must be an eHR number").into())
}

async fn resolve(req: HttpRequest, bearer: Bearer) -> Result<Acting, ApiError> {
    let session = bearer.session;
    match session.subject_kind.as_str() {
        PATIENT => Ok(Acting {
            patient_id: session.subject_id.clone(),
            actor: Actor::new(ActorKind::Patient, session.subject_id.clone()),
        }),
        SDM => {
            let ehr = acting_for(&req)?.ok_or_else(|| {
                ApiError::from(CoreError::invalid(
                    "X-Acting-For",
                    "an SDM must name the patient they act for",
                ))
            })?;
            let services = req
                .app_data::<web::Data<Services>>()
                .cloned()
                .ok_or(ApiError::Blocking)?;
            let sdm_id = session.subject_id.clone();
            let patient_id = blocking(move || {
                let mut conn = services.db.get()?;
                Ok(sdm::linked_patient(&mut conn, &sdm_id, ehr.as_str())?)
            })
            .await?
            .ok_or_else(|| {
                ApiError::from(CoreError::refused(
                    ErrorCode::NotLinked,
                    "you do not act for this patient",
                ))
            })?;
            Ok(Acting {
                patient_id,
                actor: Actor::new(ActorKind::Sdm, session.subject_id.clone()),
            })
        }
        _ => Err(not_for_app()),
    }
}

/// For `GET /v1/app/me`: an SDM who names no patient is answered about themselves (who
/// they act for); anyone else as `Acting`.
#[derive(Debug, Clone)]
pub enum MeSubject {
    Acting(Acting),
    SdmSelf { sdm_id: String },
}

impl FromRequest for MeSubject {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bearer = Bearer::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let bearer = bearer.await?;
            if bearer.session.subject_kind == SDM && req.headers().get(ACTING_FOR).is_none() {
                return Ok(MeSubject::SdmSelf {
                    sdm_id: bearer.session.subject_id,
                });
            }
            resolve(req, bearer).await.map(MeSubject::Acting)
        })
    }
}

impl FromRequest for Acting {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bearer = Bearer::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move { resolve(req, bearer.await?).await })
    }
}
