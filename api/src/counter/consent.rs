//! Sharing consent by the patient's access key (give, renew, change, revoke): the form,
//! shown on its own page and under a found patient, and its handler. The key's tries left
//! and its lock are told in plain words; the confirmation the patient is sent is named.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::accounts::Staff;
use ehealth_core::actions::counter_consent::{self, KeyAction, PatientRef};
use ehealth_core::context::Services;
use ehealth_core::db::consents::SharingConsent;
use ehealth_core::domain::{ConsentStatus, ConsentType, NotificationMeans};
use ehealth_core::ids::{AccessKey, EhrNumber};
use ehealth_core::{CoreError, CoreResult};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{form_id, page as html_page, valid_form_id};
use super::staff_page;
use super::submission::{self, Turn};
use super::{Frame, Lang};
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

fn frame<'a>(lang: Lang, name: &'a str) -> Frame<'a> {
    Frame {
        lang,
        path: PATH,
        signed_in_as: Some(name),
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

enum Done {
    Changed(SharingConsent, Vec<NotificationMeans>),
    /// A repeat of a form already sent: the consent as the first post left it.
    Repeat(Option<SharingConsent>),
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

fn act(services: &Services, staff: &Staff, body: &ConsentForm) -> CoreResult<Done> {
    let form_id = valid_form_id(&body.form_id)
        .ok_or_else(|| CoreError::invalid("form_id", "reload the page"))?;
    let (who, key, action, consent_type) = parse(body)?;
    let mut conn = services.db.get()?;
    if submission::claim(&mut conn, form_id, &staff.account.id)? == Turn::Repeat {
        return Ok(Done::Repeat(staff_page::clinic_consent(
            &mut conn, staff, &who,
        )?));
    }
    let outcome = counter_consent::with_access_key(
        &mut conn,
        &services.hasher,
        &services.config.security,
        staff,
        &who,
        &key,
        action,
        consent_type,
        Utc::now(),
    );
    submission::finish(&mut conn, form_id)?;
    let consent = outcome?;
    let means = staff_page::means_of(&mut conn, &consent.patient_id)?;
    Ok(Done::Changed(consent, means))
}

fn done_note(lang: Lang, done: &Done) -> Markup {
    html! {
        @match done {
            Done::Changed(c, means) => {
                p.ok #result role="status" {
                    (lang.t("Done. This clinic's sharing consent: ", "已完成。本機構的互通同意："))
                    (consent_sentence(lang, c)) (lang.t(".", "。"))
                }
                p #confirmation {
                    @match lang {
                        Lang::En => { "The patient is sent a confirmation of this by " (lang.means(means)) ", and in the eHealth app." }
                        Lang::ZhHant => { "病人會經" (lang.means(means)) "及醫健通應用程式收到確認通知。" }
                    }
                }
            }
            Done::Repeat(current) => { (staff_page::repeat_consent_note(lang, current.as_ref())) }
        }
    }
}

pub async fn submit(
    services: web::Data<Services>,
    req: HttpRequest,
    body: web::Form<ConsentForm>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::of(&req);
    let body = body.into_inner();
    let ehr = body.ehr_number.clone();
    let acted = staff_page::as_staff(services, &req, move |services, staff| {
        act(services, staff, &body)
    })
    .await?;
    let (name, outcome) = match acted {
        Ok(acted) => acted,
        Err(answer) => return Ok(answer),
    };
    let (status, note) = staff_page::outcome_note(lang, outcome, |done| done_note(lang, done))?;
    let body = html! { (note) (form(lang, &ehr)) };
    Ok(html_page(status, &frame(lang, &name), title(lang), body))
}
