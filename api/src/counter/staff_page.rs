//! The steps every HCProf page of the portal shares: a GET page for the signed-in
//! professional, a form post run for them off the async threads, the note that shows an
//! action's outcome or its error.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use ehealth_core::actions::accounts::Staff;
use ehealth_core::context::Services;
use ehealth_core::{CoreError, CoreResult};
use maud::Markup;

use super::layout::{error_note, page as html_page};
use super::{error_text, signed_in_name, staff_of, to_sign_in, token_of, Frame, Lang};
use crate::http::errors::{blocking, ApiError};

/// A GET page at `path` for the signed-in HCProf, else the answer sending to sign in.
pub async fn page(
    services: web::Data<Services>,
    req: HttpRequest,
    path: &str,
    title: fn(Lang) -> &'static str,
    body: impl FnOnce(Lang) -> Markup,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::of(&req);
    let name = match signed_in_name(services, &req).await? {
        Ok(name) => name,
        Err(to_sign_in) => return Ok(to_sign_in),
    };
    let frame = Frame {
        lang,
        path,
        signed_in_as: Some(&name),
    };
    Ok(html_page(StatusCode::OK, &frame, title(lang), body(lang)))
}

/// Runs `act` for the signed-in HCProf of a form post, off the async threads: their
/// display name and what `act` gave, or the answer to send instead (a cross-site post is
/// refused; a post without a live session goes to sign in).
pub async fn as_staff<T, F>(
    services: web::Data<Services>,
    req: &HttpRequest,
    act: F,
) -> Result<Result<(String, T), HttpResponse>, ApiError>
where
    F: FnOnce(&Services, &Staff) -> T + Send + 'static,
    T: Send + 'static,
{
    if !super::same_origin(req) {
        return Ok(Err(super::cross_site(Lang::of(req))));
    }
    let token = token_of(req);
    let had_cookie = token.is_some();
    let result = blocking(move || {
        let Some(staff) = staff_of(&services, token)? else {
            return Ok(None);
        };
        let outcome = act(&services, &staff);
        Ok(Some((staff.account.display_name, outcome)))
    })
    .await?;
    Ok(result.ok_or_else(|| to_sign_in(had_cookie)))
}

/// The status and note for an action's outcome: `shown` of what it did, else its error in
/// plain words; a server error is answered as one.
pub fn outcome_note<T>(
    lang: Lang,
    outcome: CoreResult<T>,
    shown: impl FnOnce(&T) -> Markup,
) -> Result<(StatusCode, Markup), ApiError> {
    match outcome {
        Ok(done) => Ok((StatusCode::OK, shown(&done))),
        Err(e) => {
            let (status, message) = error_words(lang, e)?;
            Ok((status, error_note(Some(&message))))
        }
    }
}

/// The status and plain-words message of an action's error to show on the page; a server
/// error is answered as one instead.
pub fn error_words(lang: Lang, e: CoreError) -> Result<(StatusCode, String), ApiError> {
    let err = ApiError::Core(e);
    let (status, message) = error_text(lang, &err);
    if status.is_server_error() {
        return Err(err);
    }
    Ok((status, message))
}
