//! Sharing consent by the patient's access key (give, renew, change, revoke): the form,
//! shown on its own page and under a found patient, and its handler. The key's tries left
//! and its lock are told in plain words; the confirmation the patient is sent is named.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::accounts::Staff;
use ehealth_core::actions::counter_consent::{self, KeyAction, PatientRef};
use ehealth_core::context::Services;
use ehealth_core::db::consents::SharingConsent;
use ehealth_core::domain::{ConsentStatus, ConsentType};
use ehealth_core::ids::{AccessKey, EhrNumber};
use ehealth_core::CoreResult;
use maud::{html, Markup};
use serde::Deserialize;

use super::consent_post::{self, ConsentDone, ConsentPage};
use super::layout::form_id;
use super::staff_page;
use super::Lang;
use crate::http::errors::ApiError;

const PATH: &str = "/counter/consent";

#[derive(Debug, Deserialize)]
pub struct ConsentForm {
    pub ehr_number: String,
    pub access_key: String,
    pub action: String,
    #[serde(rename = "type")]
    pub consent_type: String,
    #[serde(default)]
    pub form_id: String,
}

/// The access-key form; `ehr` fills the patient in (from the find page).
pub fn form(lang: Lang, ehr: &str) -> Markup {
    html! {
        form method="post" action=(PATH) id="consent" {
            input type="hidden" name="form_id" value=(form_id());
            label for="ehr_number" { (lang.t("Patient's eHR number (12 digits)", "病人的電子健康紀錄號碼（12位數字）")) }
            input #ehr_number name="ehr_number" inputmode="numeric" autocomplete="off" required value=(ehr);
            label for="access_key" { (lang.t("Access key, typed by the patient (8 digits)", "存取密碼，由病人輸入（8位數字）")) }
            input #access_key name="access_key" type="password" inputmode="numeric" autocomplete="off" required;
            label for="action" { (lang.t("What the patient asks for", "病人的要求")) }
            select #action name="action" {
                option value="give" { (lang.t("Give consent to this clinic", "給予本機構互通同意")) }
                option value="renew" { (lang.t("Renew consent", "續期互通同意")) }
                option value="change" { (lang.t("Change the type", "更改類別")) }
                option value="revoke" { (lang.t("Revoke consent", "撤銷互通同意")) }
            }
            label for="type" { (lang.t("Type (not needed to revoke)", "類別（撤銷時不適用）")) }
            select #type name="type" {
                option value="one_year" { (lang.consent_type("one_year")) }
                option value="indefinite" { (lang.consent_type("indefinite")) }
            }
            button type="submit" { (lang.t("Submit", "遞交")) }
        }
    }
}

/// One consent as a sentence: type, state, and until when.
pub fn consent_sentence(lang: Lang, c: &SharingConsent) -> String {
    let kind = lang.consent_type(c.consent_type.as_str());
    let status = lang.consent_status(c.status.as_str());
    let until = c.expires_at.filter(|_| c.status == ConsentStatus::Active);
    match (lang, until) {
        (Lang::En, Some(t)) => format!("{status}, {kind}, until {}", lang.stored_time(t)),
        (Lang::En, None) => format!("{status}, {kind}"),
        (Lang::ZhHant, Some(t)) => format!("{status}，{kind}，有效至{}", lang.stored_time(t)),
        (Lang::ZhHant, None) => format!("{status}，{kind}"),
    }
}

fn title(lang: Lang) -> &'static str {
    lang.t("Sharing consent by access key", "以存取密碼處理互通同意")
}

pub async fn page(
    services: web::Data<Services>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    staff_page::page(services, req, PATH, title, |lang| form(lang, "")).await
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

fn act(services: &Services, staff: &Staff, body: &ConsentForm) -> CoreResult<ConsentDone> {
    let form_id = consent_post::form_id_of(&body.form_id)?;
    let (who, key, action, consent_type) = parse(body)?;
    consent_post::once(services, staff, form_id, &who, |conn| {
        counter_consent::with_access_key(
            conn,
            &services.hasher,
            &services.config.security,
            staff,
            &who,
            &key,
            action,
            consent_type,
            Utc::now(),
        )
    })
}

const PAGE: ConsentPage = ConsentPage {
    path: PATH,
    title,
    done: |lang| lang.t("Done.", "已完成。"),
    also_told: |_| "",
    form,
};

pub async fn submit(
    services: web::Data<Services>,
    req: HttpRequest,
    body: web::Form<ConsentForm>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    PAGE.answer(services, &req, body.ehr_number.clone(), body, act)
        .await
}
