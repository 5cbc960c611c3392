//! The portal's sign-in form and its handler, and sign-out.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::staff_sign_in::Credentials;
use ehealth_core::context::Services;
use ehealth_core::db::sessions;
use ehealth_core::ids::ProviderId;
use maud::{html, Markup, Render};
use serde::Deserialize;

use super::layout::{error_note, page as html_page};
use super::{account_of, redirect, token_of, Frame, Lang, COOKIE};
use crate::http::errors::{blocking, ApiError};
use crate::routes::hcp::create_session;
use ehealth_core::domain::AccountRole;

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    pub hcp_id: String,
    pub username: String,
    pub password: String,
    pub totp_code: String,
}

#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    pub ended: Option<String>,
}

fn form(lang: Lang, note: impl Render, hcp_id: &str, username: &str) -> Markup {
    html! {
        (note)
        form method="post" action="/counter/sign-in" id="sign-in" {
            label for="hcp_id" { (lang.t("Provider number (9 digits)", "醫護提供者編號（9位數字）")) }
            input #hcp_id name="hcp_id" inputmode="numeric" autocomplete="organization" required value=(hcp_id);
            label for="username" { (lang.t("Username", "用戶名稱")) }
            input #username name="username" autocomplete="username" required value=(username);
            label for="password" { (lang.t("Password", "密碼")) }
            input #password name="password" type="password" autocomplete="current-password" required;
            label for="totp_code" { (lang.t("Code from your authenticator (6 digits)", "驗證器上的驗證碼（6位數字）")) }
            input #totp_code name="totp_code" inputmode="numeric" autocomplete="one-time-code" required;
            button type="submit" { (lang.t("Sign in", "登入")) }
        }
    }
}

fn sign_in_page(
    status: StatusCode,
    lang: Lang,
    note: Markup,
    hcp_id: &str,
    user: &str,
) -> HttpResponse {
    let frame = Frame {
        lang,
        path: "/counter",
        signed_in_as: None,
    };
    html_page(
        status,
        &frame,
        lang.t("Sign in", "登入"),
        form(lang, note, hcp_id, user),
    )
}

/// Where an account starts: a user administrator at the account pages, an HCProf at
/// finding a patient.
fn home_of(role: AccountRole) -> &'static str {
    match role {
        AccountRole::UserAdmin => "/counter/accounts",
        _ => "/counter/find",
    }
}

pub async fn page(
    services: web::Data<Services>,
    req: HttpRequest,
    query: web::Query<SignInQuery>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::of(&req);
    let token = token_of(&req);
    if let Some(staff) = blocking(move || account_of(&services, token)).await? {
        return Ok(redirect(home_of(staff.role)));
    }
    let note = html! {
        @if query.ended.is_some() {
            p.ok #notice role="status" {
                (lang.t("Your session ended after a time without activity. Please sign in again.",
                    "閒置一段時間後，你已被登出。請重新登入。"))
            }
        }
    };
    Ok(sign_in_page(StatusCode::OK, lang, note, "", ""))
}

pub async fn submit(
    services: web::Data<Services>,
    req: HttpRequest,
    body: web::Form<SignInForm>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::of(&req);
    if !super::same_origin(&req) {
        return Ok(super::cross_site(lang));
    }
    let body = body.into_inner();
    let (hcp_id, username) = (body.hcp_id.clone(), body.username.clone());
    let refuse = |status, message: &str| {
        sign_in_page(status, lang, error_note(Some(message)), &hcp_id, &username)
    };
    let provider = match ProviderId::parse(&body.hcp_id) {
        Ok(p) => p,
        Err(e) => return Ok(refuse(StatusCode::BAD_REQUEST, &lang.error(&e))),
    };
    let creds = Credentials {
        provider_id: Some(provider),
        username: body.username,
        password: body.password,
        totp_code: body.totp_code.trim().to_owned(),
    };
    match create_session::sign_in_staff(services, creds).await {
        Ok(signed_in)
            if matches!(
                signed_in.staff.role,
                AccountRole::Hcprof | AccountRole::UserAdmin
            ) =>
        {
            let cookie = format!(
                "{COOKIE}={}; {}",
                signed_in.token,
                super::cookie_attributes(&req)
            );
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, home_of(signed_in.staff.role)))
                .insert_header(("Referrer-Policy", "no-referrer"))
                .insert_header((header::SET_COOKIE, cookie))
                .finish())
        }
        Ok(_) => Ok(refuse(
            StatusCode::FORBIDDEN,
            lang.t(
                "The portal is for healthcare professionals' and user administrators' accounts.",
                "此系統只供醫護專業人員及用戶管理員帳戶使用。",
            ),
        )),
        Err(err) => {
            let (status, message) = super::error_text(lang, &err);
            if status.is_server_error() {
                return Err(err);
            }
            Ok(refuse(status, &message))
        }
    }
}

pub async fn sign_out(
    services: web::Data<Services>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    if !super::same_origin(&req) {
        return Ok(super::cross_site(Lang::of(&req)));
    }
    if let Some(token) = token_of(&req) {
        blocking(move || {
            let mut conn = services.db.get()?;
            if let Some(s) = sessions::resolve(&mut conn, &token, Utc::now())? {
                sessions::revoke(&mut conn, &s.id, Utc::now())?;
            }
            Ok(())
        })
        .await?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/counter"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header((
            header::SET_COOKIE,
            format!("{COOKIE}=; {}; Max-Age=0", super::cookie_attributes(&req)),
        ))
        .finish())
}
