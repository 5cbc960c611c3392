//! The steps every HCProf page of the portal shares: a GET page for the signed-in
//! professional, a form post run for them off the async threads, the note that shows an
//! action's outcome or its error, and the note for a form sent twice.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use ehealth_core::actions::accounts::Staff;
use ehealth_core::actions::counter_consent::{self, PatientRef};
use ehealth_core::context::Services;
use ehealth_core::db::consents::{self, SharingConsent};
use ehealth_core::db::{patients, DbConn};
use ehealth_core::domain::NotificationMeans;
use ehealth_core::{CoreError, CoreResult};
use maud::{html, Markup};

use super::consent::consent_sentence;
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

/// The note for a consent form sent again: it was acted on once; the consent it left.
pub fn repeat_consent_note(lang: Lang, current: Option<&SharingConsent>) -> Markup {
    html! {
        p.ok #result role="status" {
            (lang.t("This form was already sent; it was acted on once. This clinic's sharing consent now: ",
                "此表格已遞交，只會處理一次。本機構現時的互通同意："))
            @match current {
                Some(c) => { (consent_sentence(lang, c)) (lang.t(".", "。")) }
                None => { (lang.t("none.", "沒有。")) }
            }
        }
    }
}

/// This clinic's latest sharing consent of the patient, if the patient and one exist.
pub fn clinic_consent(
    conn: &mut DbConn,
    staff: &Staff,
    who: &PatientRef,
) -> CoreResult<Option<SharingConsent>> {
    let Some(p) = counter_consent::find_patient(conn, who)? else {
        return Ok(None);
    };
    Ok(consents::history(conn, &p.id)?
        .into_iter()
        .filter(|c| Some(c.provider_id.as_str()) == staff.provider_id())
        .max_by_key(|c| c.given_at))
}

/// How the patient is told of a change to their consent (none when not found).
pub fn means_of(conn: &mut DbConn, patient_id: &str) -> CoreResult<Vec<NotificationMeans>> {
    Ok(patients::find(conn, patient_id)?
        .map(|p| p.notification_means())
        .unwrap_or_default())
}
