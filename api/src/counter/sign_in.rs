//! The counter's sign-in form and its handler.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::staff_sign_in::Credentials;
use ehealth_core::context::Services;
use ehealth_core::db::sessions;
use ehealth_core::ids::ProviderId;
use serde::Deserialize;

use super::{escape, page as html, redirect, staff_of, token_of, COOKIE};
use crate::http::errors::{blocking, ApiError};
use crate::routes::hcp::create_session;

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    pub hcp_id: String,
    pub username: String,
    pub password: String,
    pub totp_code: String,
}

fn form(error: Option<&str>, hcp_id: &str, username: &str) -> String {
    let error = error
        .map(|e| {
            format!(
                "<p class=\"error\" id=\"error\" role=\"alert\">{}</p>",
                escape(e)
            )
        })
        .unwrap_or_default();
    format!(
        "{error}<form method=\"post\" action=\"/counter/sign-in\" id=\"sign-in\">\
         <label for=\"hcp_id\">Provider id</label><input id=\"hcp_id\" name=\"hcp_id\" inputmode=\"numeric\" required value=\"{}\">\
         <label for=\"username\">Username</label><input id=\"username\" name=\"username\" autocomplete=\"username\" required value=\"{}\">\
         <label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
         <label for=\"totp_code\">Code from your authenticator</label><input id=\"totp_code\" name=\"totp_code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" required>\
         <button type=\"submit\">Sign in</button></form>",
        escape(hcp_id),
        escape(username),
    )
}

pub async fn page(
    services: web::Data<Services>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let token = token_of(&req);
    if blocking(move || staff_of(&services, token))
        .await?
        .is_some()
    {
        return Ok(redirect("/counter/consent"));
    }
    Ok(html(StatusCode::OK, "Sign in", &form(None, "", "")))
}

pub async fn submit(
    services: web::Data<Services>,
    req: HttpRequest,
    body: web::Form<SignInForm>,
) -> Result<HttpResponse, ApiError> {
    if !super::same_origin(&req) {
        return Ok(super::cross_site());
    }
    let body = body.into_inner();
    let (hcp_id, username) = (body.hcp_id.clone(), body.username.clone());
    let provider = match ProviderId::parse(&body.hcp_id) {
        Ok(p) => p,
        Err(e) => {
            return Ok(html(
                StatusCode::BAD_REQUEST,
                "Sign in",
                &form(Some(&e.public_message()), &hcp_id, &username),
            ))
        }
    };
    let creds = Credentials {
        provider_id: Some(provider),
        username: body.username,
        password: body.password,
        totp_code: body.totp_code.trim().to_owned(),
    };
    let result = create_session::sign_in_staff(services, creds).await;
    match result {
        Ok(signed_in) if signed_in.staff.role == ehealth_core::domain::AccountRole::Hcprof => {
            let cookie = format!(
                "{COOKIE}={}; {}",
                signed_in.token,
                super::cookie_attributes(&req)
            );
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/counter/consent"))
                .insert_header(("Referrer-Policy", "no-referrer"))
                .insert_header((header::SET_COOKIE, cookie))
                .finish())
        }
        Ok(_) => Ok(html(
            StatusCode::FORBIDDEN,
            "Sign in",
            &form(
                Some("the counter is for healthcare professionals"),
                &hcp_id,
                &username,
            ),
        )),
        Err(err) => {
            let (status, message) = super::error_text(&err);
            if status.is_server_error() {
                return Err(err);
            }
            Ok(html(
                status,
                "Sign in",
                &form(Some(&message), &hcp_id, &username),
            ))
        }
    }
}

pub async fn sign_out(
    services: web::Data<Services>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    if !super::same_origin(&req) {
        return Ok(super::cross_site());
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
