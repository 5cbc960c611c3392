//! `POST /ivr/voice` (a call comes in) and `POST /ivr/voice/{step}` (the caller keyed
//! something). The answer is always TwiML: an error becomes a spoken apology with the
//! operator option, and a log entry, never Twilio's "application error".

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;
use ehealth_core::context::Services;
use ehealth_core::CoreError;
use http_common::errors::{blocking, ApiError};

use crate::flow::{self, turn};
use crate::texts::Voice;
use crate::webhook::{self, Webhook};

pub async fn start(services: web::Data<Services>, req: HttpRequest, body: Bytes) -> HttpResponse {
    answer(services, req, body, None).await
}

pub async fn step(
    services: web::Data<Services>,
    req: HttpRequest,
    body: Bytes,
    path: web::Path<String>,
) -> HttpResponse {
    answer(services, req, body, Some(path.into_inner())).await
}

async fn answer(
    services: web::Data<Services>,
    req: HttpRequest,
    body: Bytes,
    step: Option<String>,
) -> HttpResponse {
    let webhook = match webhook::verify(&services, &req, &body).await {
        Ok(webhook) => webhook,
        Err(refused) => return refused,
    };
    if step.is_none() {
        ehealth_core::metrics::metrics().ivr_calls.inc();
    }
    let shared = services.get_ref().clone();
    let hook = webhook.clone();
    let result = blocking(move || {
        // A key's place in the Argon2 pool before a connection: a burst of keys beyond the
        // pool is refused as busy at once, instead of waiting for connections held by the
        // tries ahead of it (and timing out into an apology). Refused a place, a
        // connection free at once still lets the flow say so in the call's language (and
        // replay a retried copy); with none free, the busy line is said in English.
        let key_turn = flow::precheck::keys_an_access_key(step.as_deref(), &hook)
            .then(|| shared.hasher.reserve());
        let (key_turn, mut conn) = match key_turn {
            Some(Err(busy)) => match shared.db.try_get() {
                Some(conn) => (None, conn),
                None => return Err(busy),
            },
            Some(Ok(turn)) => (Some(turn), shared.db.get()?),
            None => (None, shared.db.get()?),
        };
        flow::answer(
            &shared,
            &mut conn,
            step.as_deref(),
            &hook,
            key_turn,
            Utc::now(),
        )
    })
    .await;
    let body = match result {
        Ok(twiml) => twiml,
        Err(ApiError::Core(CoreError::Busy { .. })) => {
            tracing::warn!(
                path = webhook.path_and_query,
                "voice webhook refused: the Argon2 pool is full"
            );
            turn::busy(&services, spoken_voice(&webhook)).render()
        }
        Err(error) => {
            ehealth_core::metrics::metrics().ivr_voice_failures.inc();
            let call_sid = webhook.param("CallSid").unwrap_or("");
            tracing::error!(call_sid, path = webhook.path_and_query, %error, "voice webhook failed; apologising to the caller");
            turn::apology(&services, spoken_voice(&webhook)).render()
        }
    };
    twiml_response(body)
}

/// The language to apologise in: the one of the step's prompt is not known without the
/// database, so use the caller's choice if this webhook is the language menu's answer.
fn spoken_voice(webhook: &Webhook) -> Voice {
    let at_language_menu = webhook.path_and_query.starts_with("/ivr/voice/language");
    webhook
        .param("Digits")
        .filter(|_| at_language_menu)
        .and_then(Voice::from_key)
        .unwrap_or(Voice::English)
}

pub fn twiml_response(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/xml; charset=utf-8")
        .body(body)
}
