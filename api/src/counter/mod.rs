//! The eHR portal at `/counter` (issue 4, grown into the portal of issue 18): server-
//! rendered HTML in English and Traditional Chinese, no JavaScript. An HCProf signs in
//! (provider id, username, password, TOTP code), finds a patient by identity document or
//! eHR number, verifies a pending applicant or registers a walk-in, takes sharing consent
//! (access key, signed form, smart HKIC), views and shares records; a user administrator
//! manages the clinic's accounts and enrols their authenticators. The forms post to small
//! handlers here that call the same core use cases as `/v1/hcp`. Pages are maud templates (`layout`), which escape by default.
//!
//! The session token lives in an HttpOnly, SameSite=Strict cookie scoped to `/counter`
//! (and `Secure` when the page is served over https); the session ends after
//! `api.portal_idle_secs` without a request, and `api.portal_session_max_hours` after
//! sign-in at the latest. SameSite alone is not the only defence against a forged form:
//! every form post must come from this site's own page (its `Origin`, or failing that its
//! `Referer`, names this site), else 403 (issue 11). A state-changing form carries a
//! one-time form id, so a double click acts once (`submission`).

mod consent;
mod consent_post;
mod enrol;
mod find;
mod form_consent;
mod lang;
mod layout;
mod records;
mod register;
mod share;
mod sign_in;
mod staff_page;
mod submission;
mod user_accounts;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use ehealth_core::actions::accounts::{self, Staff, SESSION_KIND};
use ehealth_core::context::Services;
use ehealth_core::db::sessions;
use ehealth_core::domain::AccountRole;
use ehealth_core::ids::AccountId;
use ehealth_core::CoreResult;
use maud::html;
use serde::Deserialize;

use crate::http::errors::ApiError;
pub use lang::Lang;
pub use layout::Frame;

pub const COOKIE: &str = "counter_session";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(sign_in::page))
        .route("/", web::get().to(sign_in::page))
        .route("/sign-in", web::post().to(sign_in::submit))
        .route("/sign-out", web::post().to(sign_in::sign_out))
        .route("/language", web::post().to(choose_language))
        .route("/find", web::get().to(find::page))
        .route("/find", web::post().to(find::submit))
        .route("/register", web::get().to(register::page))
        .route("/register", web::post().to(register::submit))
        .route("/verify", web::post().to(register::submit))
        .route("/records", web::get().to(records::page))
        .route("/records", web::post().to(records::submit))
        .route("/approval", web::post().to(records::ask_approval))
        .route("/consent", web::get().to(consent::page))
        .route("/consent", web::post().to(consent::submit))
        .route("/consent/form", web::post().to(form_consent::submit))
        .service(
            web::resource("/share")
                .app_data(share::form_config())
                .route(web::get().to(share::page))
                .route(web::post().to(share::submit)),
        )
        .route("/accounts", web::get().to(user_accounts::page))
        .route("/accounts", web::post().to(user_accounts::create))
        .route("/accounts/disable", web::post().to(user_accounts::disable))
        .route("/accounts/totp", web::post().to(enrol::submit));
}

#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    pub lang: String,
    pub back: String,
}

/// The language switch on every page: remembered for a year, back to the same page.
async fn choose_language(req: HttpRequest, body: web::Form<LanguageForm>) -> HttpResponse {
    if !same_origin(&req) {
        return cross_site(Lang::of(&req));
    }
    let lang = Lang::parse(&body.lang).unwrap_or_else(|| Lang::of(&req));
    let back = match body.back.as_str() {
        "/counter/find" | "/counter/consent" | "/counter/register" | "/counter/records"
        | "/counter/share" | "/counter/accounts" => body.back.as_str(),
        _ => "/counter",
    };
    let path = if req.connection_info().scheme() == "https" {
        "Path=/counter; SameSite=Strict; Secure"
    } else {
        "Path=/counter; SameSite=Strict"
    };
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, back))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header((
            header::SET_COOKIE,
            format!(
                "{}={}; {path}; Max-Age=31536000",
                lang::LANG_COOKIE,
                lang.tag()
            ),
        ))
        .finish()
}

pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .finish()
}

/// The session cookie's attributes: `Secure` when the page was served over https (the
/// scheme as the load balancer reports it in `Forwarded` / `X-Forwarded-Proto`).
pub fn cookie_attributes(req: &HttpRequest) -> &'static str {
    if req.connection_info().scheme() == "https" {
        "Path=/counter; HttpOnly; SameSite=Strict; Secure"
    } else {
        "Path=/counter; HttpOnly; SameSite=Strict"
    }
}

/// Whether a form post came from this site's own page. Its `Origin` names this site; or,
/// where the browser sends `Origin: null` (it does on a form post from a page served with
/// `Referrer-Policy: no-referrer`, as the counter's are) or none, its Fetch Metadata
/// `Sec-Fetch-Site: same-origin`, which a page of another site cannot make a browser send;
/// or, from a browser with neither, a `Referer` naming this site. Otherwise refused: a
/// request that shows none of these cannot be told from a forgery.
pub fn same_origin(req: &HttpRequest) -> bool {
    let info = req.connection_info();
    let ours = format!("{}://{}", info.scheme(), info.host());
    let header_text = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(origin) = header_text("origin").filter(|o| *o != "null") {
        return origin == ours;
    }
    if let Some(site) = header_text("sec-fetch-site") {
        return site == "same-origin";
    }
    header_text("referer").is_some_and(|r| r == ours || r.starts_with(&format!("{ours}/")))
}

/// The portal's input check: the API's one check (`text_input`), refused with a page in
/// plain words instead of the API's JSON error, since a person reads it.
pub async fn text_check(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    match crate::http::text_input::check_request(&mut req).await {
        Ok(()) => Ok(next.call(req).await?.map_into_left_body()),
        Err(e) => {
            let status = actix_web::ResponseError::status_code(&e);
            let page = refused_input(Lang::of(req.request()), status);
            Ok(req.into_response(page).map_into_right_body())
        }
    }
}

fn refused_input(lang: Lang, status: actix_web::http::StatusCode) -> HttpResponse {
    let frame = Frame {
        lang,
        path: "/counter",
        signed_in_as: None,
    };
    layout::page(
        status,
        &frame,
        lang.t("Not sent", "未能遞交"),
        html! {
            p.error #error role="alert" {
                (lang.t("What was sent is too long (at most 64 KB) or holds characters a form \
                         cannot hold. Go back, shorten or correct it, and send it again. ",
                    "所遞交的內容過長（最多 64 KB）或含有表格不能接受的字元。請返回上一頁，\
                     縮短或更正後再遞交。"))
                a href="/counter/find" { (lang.t("Back to the portal", "返回系統")) }
            }
        },
    )
}

/// The answer to a form posted from elsewhere.
pub fn cross_site(lang: Lang) -> HttpResponse {
    let frame = Frame {
        lang,
        path: "/counter",
        signed_in_as: None,
    };
    layout::page(
        actix_web::http::StatusCode::FORBIDDEN,
        &frame,
        lang.t("Refused", "已拒絕"),
        html! {
            p.error #error role="alert" {
                (lang.t("This form must be sent from the eHR portal page itself. ",
                    "此表格必須由電子健康紀錄互通系統的網頁遞交。"))
                a href="/counter" { (lang.t("Open the portal", "開啟系統")) }
                (lang.t(" and try again.", "，然後再試。"))
            }
        },
    )
}

pub fn token_of(req: &HttpRequest) -> Option<String> {
    let cookies = req.headers().get(header::COOKIE)?.to_str().ok()?;
    cookies.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == COOKIE && !value.is_empty() && value.len() <= 128).then(|| value.to_owned())
    })
}

/// The signed-in HCProf of the cookie, as they are now; `None` sends them to sign in.
/// Each request restarts the idle count: the session is extended to `portal_idle_secs`
/// from now, never past `portal_session_max_hours` after sign-in.
pub fn staff_of(services: &Services, token: Option<String>) -> CoreResult<Option<Staff>> {
    Ok(account_of(services, token)?.filter(|staff| staff.role == AccountRole::Hcprof))
}

/// The signed-in account of the cookie: an HCProf or a user administrator (who sees only
/// the account pages), as `staff_of` restarting the idle count.
pub fn account_of(services: &Services, token: Option<String>) -> CoreResult<Option<Staff>> {
    let Some(token) = token else { return Ok(None) };
    let mut conn = services.db.get()?;
    let now = Utc::now();
    let Some(session) = sessions::resolve(&mut conn, &token, now)? else {
        return Ok(None);
    };
    if session.subject_kind != SESSION_KIND {
        return Ok(None);
    }
    let staff = match accounts::authorise(&mut conn, &AccountId::new(session.subject_id)) {
        Ok(staff) if matches!(staff.role, AccountRole::Hcprof | AccountRole::UserAdmin) => staff,
        Ok(_) => return Ok(None),
        Err(e) if e.kind() == ehealth_core::ErrorKind::Refused => return Ok(None),
        Err(e) => return Err(e),
    };
    let api = &services.config.api;
    let idle_end = now + Duration::seconds(api.portal_idle_secs.max(1));
    let shift_end = session.created_at.and_utc() + Duration::hours(api.portal_session_max_hours);
    sessions::extend(&mut conn, &session.id, idle_end.min(shift_end))?;
    Ok(Some(staff))
}

/// Where a request without a live session goes: the sign-in page, saying that the
/// session ended when the browser still had a cookie.
/// The signed-in professional's display name for a page, or the answer that sends the
/// browser to sign in (every GET page of the portal starts this way).
pub async fn signed_in_name(
    services: web::Data<Services>,
    req: &HttpRequest,
) -> Result<Result<String, HttpResponse>, ApiError> {
    let token = token_of(req);
    let had_cookie = token.is_some();
    let staff = crate::http::errors::blocking(move || staff_of(&services, token)).await?;
    Ok(staff
        .map(|staff| staff.account.display_name)
        .ok_or_else(|| to_sign_in(had_cookie)))
}

pub fn to_sign_in(had_cookie: bool) -> HttpResponse {
    redirect(if had_cookie {
        "/counter?ended=1"
    } else {
        "/counter"
    })
}

/// The status and the plain-words message to show for an error.
pub fn error_text(lang: Lang, err: &ApiError) -> (actix_web::http::StatusCode, String) {
    let status = actix_web::ResponseError::status_code(err);
    let message = match err {
        ApiError::Core(e) => lang.error(e),
        _ => lang.error(&ehealth_core::CoreError::Internal(String::new())),
    };
    (status, message)
}
