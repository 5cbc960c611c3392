//! Twilio's status callbacks: `POST /ivr/status` (a call's progress) and
//! `POST /ivr/sms-status` (an SMS delivery receipt for the notifier's jobs).

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;
use ehealth_core::context::Services;
use ehealth_core::db::{calls, receipts, to_db};
use ehealth_core::CoreError;
use http_common::errors::{blocking, ApiError};

use crate::webhook;

/// Statuses after which a call is over.
const CALL_ENDED: [&str; 5] = ["completed", "busy", "no-answer", "failed", "canceled"];

pub async fn call(
    services: web::Data<Services>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let hook = match webhook::verify(&services, &req, &body).await {
        Ok(hook) => hook,
        Err(refused) => return Ok(refused),
    };
    let (Some(sid), Some(status)) = (hook.param("CallSid"), hook.param("CallStatus")) else {
        return Err(missing("CallSid and CallStatus"));
    };
    let (sid, status) = (sid.to_owned(), status.to_owned());
    let shared = services.get_ref().clone();
    blocking(move || {
        let mut conn = shared.db.get()?;
        let ended = CALL_ENDED
            .contains(&status.as_str())
            .then(|| to_db(Utc::now()));
        calls::set_status(&mut conn, &sid, &status, ended)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn sms(
    services: web::Data<Services>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let hook = match webhook::verify(&services, &req, &body).await {
        Ok(hook) => hook,
        Err(refused) => return Ok(refused),
    };
    let status = hook
        .param("MessageStatus")
        .or_else(|| hook.param("SmsStatus"));
    let (Some(sid), Some(status)) = (hook.param("MessageSid"), status) else {
        return Err(missing("MessageSid and MessageStatus"));
    };
    let (sid, status) = (sid.to_owned(), status.to_owned());
    let error_code = hook.param("ErrorCode").map(str::to_owned);
    let shared = services.get_ref().clone();
    blocking(move || {
        let mut conn = shared.db.get()?;
        receipts::record(
            &mut conn,
            &sid,
            &status,
            error_code.as_deref(),
            to_db(Utc::now()),
        )?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn missing(what: &'static str) -> ApiError {
    ApiError::Core(CoreError::invalid("form", format!("{what} are required")))
}
