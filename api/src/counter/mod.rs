//! The counter web page (issue 4): server-rendered HTML, no JavaScript. An HCProf signs
//! in (provider id, username, password, TOTP code) and enters a patient's eHR number and
//! access key to give, renew, change or revoke their provider's sharing consent. The forms
//! post to small handlers here that call the same core use cases as `/v1/hcp`.
//!
//! The session token lives in an HttpOnly, SameSite=Strict cookie scoped to `/counter`
//! (and `Secure` when the page is served over https). SameSite alone is not the only
//! defence against a forged form: every form post must come from this site's own page
//! (its `Origin`, or failing that its `Referer`, names this site), else 403 (issue 11).

mod consent;
mod sign_in;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::accounts::{self, Staff, SESSION_KIND};
use ehealth_core::context::Services;
use ehealth_core::db::sessions;
use ehealth_core::domain::AccountRole;
use ehealth_core::CoreResult;

use crate::http::errors::ApiError;

pub const COOKIE: &str = "counter_session";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(sign_in::page))
        .route("/", web::get().to(sign_in::page))
        .route("/sign-in", web::post().to(sign_in::submit))
        .route("/sign-out", web::post().to(sign_in::sign_out))
        .route("/consent", web::get().to(consent::page))
        .route("/consent", web::post().to(consent::submit));
}

/// Text safe to put in HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page around `body` (already escaped where needed).
pub fn page(status: actix_web::http::StatusCode, title: &str, body: &str) -> HttpResponse {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} - eHealth counter</title>\
         <style>body{{font-family:sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}}\
         label{{display:block;margin:.6rem 0 .2rem}}input,select{{font-size:1.1rem;width:100%}}\
         button{{margin-top:1rem;font-size:1.1rem}}.error{{color:#a00}}.ok{{color:#060}}</style>\
         </head><body><h1>{title}</h1>\n{body}\n</body></html>",
        title = escape(title),
    );
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
        ))
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .body(html)
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

/// The answer to a form posted from elsewhere.
pub fn cross_site() -> HttpResponse {
    page(
        actix_web::http::StatusCode::FORBIDDEN,
        "Refused",
        "<p class=\"error\" id=\"error\" role=\"alert\">This form must be sent from the \
         eHealth counter page itself. Open <a href=\"/counter\">the counter</a> and try again.</p>",
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
pub fn staff_of(services: &Services, token: Option<String>) -> CoreResult<Option<Staff>> {
    let Some(token) = token else { return Ok(None) };
    let mut conn = services.db.get()?;
    let Some(session) = sessions::resolve(&mut conn, &token, Utc::now())? else {
        return Ok(None);
    };
    if session.subject_kind != SESSION_KIND {
        return Ok(None);
    }
    match accounts::authorise(&mut conn, &session.subject_id) {
        Ok(staff) if staff.role == AccountRole::Hcprof => Ok(Some(staff)),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == ehealth_core::ErrorKind::Refused => Ok(None),
        Err(e) => Err(e),
    }
}

/// The status and a message safe to show, for an error to show on the page.
pub fn error_text(err: &ApiError) -> (actix_web::http::StatusCode, String) {
    let status = actix_web::ResponseError::status_code(err);
    let message = match err {
        ApiError::Core(e) => e.public_message(),
        other => other.to_string(),
    };
    (status, message)
}
