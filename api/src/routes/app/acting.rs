//! Who a `/v1/app` request acts for: the session and the `X-Acting-For` header, judged
//! by core's rule (`rules::acting`); an SDM's link is looked up on every request.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use ehealth_core::actions::sign_in::SDM;
use ehealth_core::context::Services;
use ehealth_core::db::sdm;
use ehealth_core::ids::SdmId;
use ehealth_core::rules::acting::{self, ActingClaim, ACTING_FOR_FIELD};

use crate::http::auth::Bearer;
use crate::http::errors::{blocking, ApiError};

pub const ACTING_FOR: &str = ACTING_FOR_FIELD;

/// The patient a request is about and who is acting (core's `Acting`, as an extractor).
#[derive(Debug, Clone)]
pub struct Acting(acting::Acting);

impl Deref for Acting {
    type Target = acting::Acting;

    fn deref(&self) -> &acting::Acting {
        &self.0
    }
}

impl Acting {
    /// Refuses an SDM where only the patient may act (their own devices, inbox, passkeys).
    pub fn patient_only(self) -> Result<Self, ApiError> {
        Ok(Self(self.0.patient_only()?))
    }

    pub fn into_inner(self) -> acting::Acting {
        self.0
    }
}

/// The header's text; one that is not even text is no eHR number either.
fn acting_for(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(ACTING_FOR)?;
    Some(value.to_str().unwrap_or(""))
}

async fn resolve(req: HttpRequest, bearer: Bearer) -> Result<Acting, ApiError> {
    let session = bearer.session;
    let claim = acting::acting_claim(session.subject_kind, &session.subject_id, acting_for(&req))?;
    let (sdm_id, patient) = match claim {
        ActingClaim::Patient(acting) => return Ok(Acting(acting)),
        ActingClaim::Sdm { sdm_id, patient } => (sdm_id, patient),
    };
    let services = req
        .app_data::<web::Data<Services>>()
        .cloned()
        .ok_or(ApiError::Blocking)?;
    let acting = blocking(move || {
        let mut conn = services.db.get()?;
        let linked = sdm::linked_patient(&mut conn, &sdm_id, patient.as_str())?;
        acting::sdm_acting(&sdm_id, linked)
    })
    .await?;
    Ok(Acting(acting))
}

/// For `GET /v1/app/me`: an SDM who names no patient is answered about themselves (who
/// they act for); anyone else as `Acting`.
#[derive(Debug, Clone)]
pub enum MeSubject {
    Acting(Acting),
    SdmSelf { sdm_id: SdmId },
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
                    sdm_id: SdmId::new(bearer.session.subject_id),
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
