//! Bearer tokens: `Authorization: Bearer <token>`, opaque, stored hashed, expiring,
//! revocable. `Bearer` resolves the token to a live session or refuses with 401. Which
//! subjects may use a route (patient, SDM, account role) is checked by the route.

use ehealth_core::ErrorCode;
use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use chrono::Utc;
use ehealth_core::context::Services;
use ehealth_core::db::sessions::{self, Session};
use ehealth_core::CoreError;

use super::errors::{blocking, ApiError};

/// A request from a signed-in subject.
#[derive(Debug, Clone)]
pub struct Bearer {
    pub session: Session,
}

fn unauthenticated() -> ApiError {
    ApiError::Core(CoreError::unauthenticated(
        ErrorCode::Unauthenticated,
        "sign in first: send Authorization: Bearer <token>",
    ))
}

fn token_of(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get("Authorization")?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty() && token.len() <= 128).then(|| token.to_owned())
}

impl FromRequest for Bearer {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = token_of(req);
        let services = req.app_data::<web::Data<Services>>().cloned();
        Box::pin(async move {
            let (Some(token), Some(services)) = (token, services) else {
                return Err(unauthenticated());
            };
            let session = blocking(move || {
                let mut conn = services.db.get()?;
                Ok(sessions::resolve(&mut conn, &token, Utc::now())?)
            })
            .await?;
            session
                .map(|session| Bearer { session })
                .ok_or_else(unauthenticated)
        })
    }
}
