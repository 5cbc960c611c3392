//! The counter's consent form: the patient's eHR number and access key, and what to do.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::counter_consent::{self, KeyAction, PatientRef};
use ehealth_core::context::Services;
use ehealth_core::db::consents::SharingConsent;
use ehealth_core::domain::ConsentType;
use ehealth_core::ids::{AccessKey, EhrNumber};
use ehealth_core::CoreResult;
use serde::Deserialize;

use super::{error_text, escape, page as html, redirect, staff_of, token_of};
use crate::http::errors::{blocking, ApiError};

#[derive(Debug, Deserialize)]
pub struct ConsentForm {
    pub ehr_number: String,
    pub access_key: String,
    pub action: String,
    #[serde(rename = "type")]
    pub consent_type: String,
}

fn form(who: &str, notice: &str) -> String {
    format!(
        "<p>Signed in as {who}.</p>{notice}\
         <form method=\"post\" action=\"/counter/consent\" id=\"consent\">\
         <label for=\"ehr_number\">Patient's eHR number</label><input id=\"ehr_number\" name=\"ehr_number\" inputmode=\"numeric\" required>\
         <label for=\"access_key\">Patient's access key (8 digits)</label><input id=\"access_key\" name=\"access_key\" type=\"password\" inputmode=\"numeric\" autocomplete=\"off\" required>\
         <label for=\"action\">Action</label><select id=\"action\" name=\"action\">\
         <option value=\"give\">Give consent</option><option value=\"renew\">Renew</option>\
         <option value=\"change\">Change type</option><option value=\"revoke\">Revoke</option></select>\
         <label for=\"type\">Type</label><select id=\"type\" name=\"type\">\
         <option value=\"one_year\">One year</option><option value=\"indefinite\">Indefinite</option></select>\
         <button type=\"submit\">Submit</button></form>\
         <form method=\"post\" action=\"/counter/sign-out\"><button type=\"submit\">Sign out</button></form>"
    )
}

pub async fn page(
    services: web::Data<Services>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let token = token_of(&req);
    let Some(staff) = blocking(move || staff_of(&services, token)).await? else {
        return Ok(redirect("/counter"));
    };
    Ok(html(
        StatusCode::OK,
        "Sharing consent",
        &form(&escape(&staff.account.display_name), ""),
    ))
}

fn done_notice(c: &SharingConsent) -> String {
    let expires = c
        .expires_at
        .map(|t| format!(", until {}", t.format("%Y-%m-%d %H:%M UTC")))
        .unwrap_or_default();
    format!(
        "<p class=\"ok\" id=\"result\" role=\"status\">Consent {}: {}{}.</p>",
        escape(&c.status),
        escape(&c.consent_type),
        escape(&expires)
    )
}

fn parse(
    form: &ConsentForm,
) -> CoreResult<(PatientRef, AccessKey, KeyAction, Option<ConsentType>)> {
    let action = KeyAction::parse(&form.action)?;
    let consent_type = match action {
        KeyAction::Revoke => None,
        _ => Some(ConsentType::parse(&form.consent_type)?),
    };
    Ok((
        PatientRef::Ehr(EhrNumber::parse(&form.ehr_number)?),
        AccessKey::parse(&form.access_key)?,
        action,
        consent_type,
    ))
}

pub async fn submit(
    services: web::Data<Services>,
    req: HttpRequest,
    body: web::Form<ConsentForm>,
) -> Result<HttpResponse, ApiError> {
    if !super::same_origin(&req) {
        return Ok(super::cross_site());
    }
    let token = token_of(&req);
    let form_body = body.into_inner();
    let result = blocking(move || {
        let Some(staff) = staff_of(&services, token)? else {
            return Ok(None);
        };
        let name = staff.account.display_name.clone();
        let outcome = parse(&form_body).and_then(|(who, key, action, consent_type)| {
            let mut conn = services.db.get()?;
            counter_consent::with_access_key(
                &mut conn,
                &services.hasher,
                &services.config.security,
                &staff,
                &who,
                &key,
                action,
                consent_type,
                Utc::now(),
            )
        });
        Ok(Some((name, outcome)))
    })
    .await?;
    let Some((name, outcome)) = result else {
        return Ok(redirect("/counter"));
    };
    let who = escape(&name);
    match outcome {
        Ok(consent) => Ok(html(
            StatusCode::OK,
            "Sharing consent",
            &form(&who, &done_notice(&consent)),
        )),
        Err(e) => {
            let err = ApiError::Core(e);
            let (status, message) = error_text(&err);
            if status.is_server_error() {
                return Err(err);
            }
            let notice = format!(
                "<p class=\"error\" id=\"error\" role=\"alert\">{}</p>",
                escape(&message)
            );
            Ok(html(status, "Sharing consent", &form(&who, &notice)))
        }
    }
}
