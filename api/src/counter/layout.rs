//! The portal's page frame, rendered by maud (escapes every spliced value; only
//! `PreEscaped` of constants here opts out): the language switch and, when signed in, the
//! navigation and sign-out on every page; the security headers on every answer.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use maud::{html, Markup, PreEscaped, Render, DOCTYPE};

use super::lang::Lang;

const CSS: &str = "body{font-family:system-ui,sans-serif;max-width:44rem;margin:0 auto;padding:0 1rem 2rem;color:#111;line-height:1.45}\
header{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center;justify-content:space-between;border-bottom:1px solid #767676;padding:.6rem 0}\
nav a{margin-right:1rem}a{color:#0645ad}label{display:block;margin:.7rem 0 .2rem;font-weight:600}\
input,select{font-size:1.05rem;width:100%;box-sizing:border-box;padding:.3rem}fieldset{margin:1rem 0}\
button{margin-top:1rem;font-size:1.05rem;padding:.35rem .9rem}form.inline{display:inline}form.inline button{margin:0}\
.error{color:#a00000;font-weight:600}.ok{color:#075a07;font-weight:600}\
:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}table{border-collapse:collapse}td,th{border:1px solid #767676;padding:.25rem .5rem;text-align:left}";

/// Who is signed in, for the frame.
pub struct Frame<'a> {
    pub lang: Lang,
    /// The page's own path, where the language switch comes back to.
    pub path: &'a str,
    pub signed_in_as: Option<&'a str>,
}

pub fn page(status: StatusCode, frame: &Frame<'_>, title: &str, body: impl Render) -> HttpResponse {
    let lang = frame.lang;
    let other = lang.other();
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " - " (lang.t("eHR portal", "電子健康紀錄互通系統")) }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    span { strong { (lang.t("eHealth eHR portal", "醫健通 電子健康紀錄")) } }
                    form.inline method="post" action="/counter/language" id="language" {
                        input type="hidden" name="lang" value=(other.tag());
                        input type="hidden" name="back" value=(frame.path);
                        button type="submit" lang=(other.tag()) { (other.own_name()) }
                    }
                    @if let Some(name) = frame.signed_in_as {
                        span { (lang.t("Signed in as ", "已登入：")) (name) }
                        form.inline method="post" action="/counter/sign-out" id="sign-out" {
                            button type="submit" { (lang.t("Sign out", "登出")) }
                        }
                    }
                }
                @if frame.signed_in_as.is_some() && frame.path == "/counter/accounts" {
                    nav aria-label=(lang.t("Portal", "主選單")) {
                        a href="/counter/accounts" { (lang.t("User accounts", "用戶帳戶")) }
                    }
                } @else if frame.signed_in_as.is_some() {
                    nav aria-label=(lang.t("Portal", "主選單")) {
                        a href="/counter/find" { (lang.t("Find a patient", "尋找病人")) }
                        a href="/counter/register" { (lang.t("Register a walk-in patient", "登記未有申請的病人")) }
                        a href="/counter/consent" { (lang.t("Sharing consent", "互通同意")) }
                        a href="/counter/records" { (lang.t("View the eHR", "查閱紀錄")) }
                        a href="/counter/share" { (lang.t("Share a record", "上載紀錄")) }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    };
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
        ))
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .body(markup.into_string())
}

pub fn error_note(message: Option<&str>) -> Markup {
    html! {
        @if let Some(m) = message {
            p.error #error role="alert" { (m) }
        }
    }
}

/// A fresh id for a state-changing form: its first post acts, a repeat does not.
pub fn form_id() -> String {
    ehealth_core::secret::random_token()
}

/// A form id as the page wrote it (43 base64url characters), else none.
pub fn valid_form_id(s: &str) -> Option<&str> {
    (s.len() == 43
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then_some(s)
}
