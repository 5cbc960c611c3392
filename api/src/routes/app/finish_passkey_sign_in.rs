//! `POST /v1/app/sessions/passkey/finish`: a passkey sign-in starts a session.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::passkeys::{self, PasskeyAnswer};
use ehealth_core::context::Services;
use mobile_bridge::webauthn::Assertion;
use serde::Deserialize;
use utoipa::ToSchema;

use super::input::{self, ErrorBody};
use super::passkey_ceremony::{refused, relying_party};
#[allow(unused_imports)] // named by the utoipa annotations
use super::passkey_json::AuthenticationResponseJson;
use super::session_view::{session_ttl, session_view, SessionView};
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyFinishBody {
    pub ceremony_id: String,
    /// `credential.toJSON()` of `navigator.credentials.get` (base64url throughout).
    #[schema(value_type = AuthenticationResponseJson)]
    pub credential: serde_json::Value,
}

/// Finishes a passkey sign-in; starts a session.
#[utoipa::path(post, path = "/v1/app/sessions/passkey/finish", tag = "sign-in", request_body = PasskeyFinishBody,
    responses((status = 201, body = SessionView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn sign_in_finish(
    services: web::Data<Services>,
    body: web::Json<PasskeyFinishBody>,
) -> Result<HttpResponse, ApiError> {
    let ceremony_id = input::text("ceremony_id", &body.ceremony_id, 64)?;
    let assertion = Assertion::parse(&body.credential).map_err(refused)?;
    let signed_in = blocking(move || {
        let rp = relying_party(&services)?;
        let mut conn = services.db.get()?;
        let answer = PasskeyAnswer {
            credential_id: assertion.credential_id.clone(),
            user_handle: assertion.user_handle.map(|u| u.to_string()),
        };
        let verify = |state: &str, stored: &str| {
            rp.finish_sign_in(state, &assertion, stored)
                .map_err(refused)
        };
        passkeys::sign_in(
            &mut conn,
            &ceremony_id,
            &answer,
            verify,
            session_ttl(&services),
            Utc::now(),
        )
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(session_view(signed_in)))
}
