//! Finding a patient by identity document or eHR number: registration state, this
//! provider's sharing consent and until when, and the data types this professional may
//! see. A POST (the lookup is audited, and particulars stay out of the address bar).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::counter_consent::PatientRef;
use ehealth_core::actions::patient_lookup::{self, PatientLookup, RegistrationState};
use ehealth_core::context::Services;
use ehealth_core::domain::ConsentStatus;
use ehealth_core::ids::{EhrNumber, IdentityDocument};
use ehealth_core::CoreResult;
use maud::{html, Markup};
use serde::Deserialize;

use super::consent::{consent_sentence, form as consent_form};
use super::layout::page as html_page;
use super::records::view_form;
use super::register::verify_form;
use super::staff_page;
use super::{Frame, Lang};
use crate::http::errors::ApiError;

const PATH: &str = "/counter/find";

#[derive(Debug, Deserialize)]
pub struct FindForm {
    /// `ehr`, or an identity document type (`hkic`, `passport`, ...).
    pub by: String,
    pub number: String,
    #[serde(default)]
    pub place: String,
}

fn form(lang: Lang) -> Markup {
    html! {
        form method="post" action=(PATH) id="find" {
            label for="by" { (lang.t("Find by", "搜尋方法")) }
            select #by name="by" {
                option value="hkic" { (lang.t("Hong Kong Identity Card (HKIC)", "香港身份證")) }
                option value="ehr" { (lang.t("eHR number", "電子健康紀錄號碼")) }
                option value="passport" { (lang.t("Passport", "護照")) }
                option value="birth_certificate" { (lang.t("Birth certificate", "出生證明書")) }
                option value="exit_entry_permit" { (lang.t("Exit-entry permit", "出入境證件")) }
            }
            label for="number" { (lang.t("Number (for example A123456(3) or 1234 5678 9012)", "號碼（例如 A123456(3) 或 1234 5678 9012）")) }
            input #number name="number" autocomplete="off" required;
            label for="place" { (lang.t("Place of issue (documents other than HKIC)", "簽發地（香港身份證以外的文件）")) }
            input #place name="place" autocomplete="off";
            button type="submit" { (lang.t("Find", "搜尋")) }
        }
    }
}

fn parse(f: &FindForm) -> CoreResult<PatientRef> {
    if f.by == "ehr" {
        return Ok(PatientRef::Ehr(EhrNumber::parse(&f.number)?));
    }
    let place = Some(f.place.trim()).filter(|p| !p.is_empty());
    Ok(PatientRef::Document(IdentityDocument::parse(
        &f.by, &f.number, place,
    )?))
}

fn state_text(lang: Lang, state: &RegistrationState) -> Markup {
    html! {
        @match state {
            RegistrationState::Registered { ehr_number } => {
                p #state { (lang.t("Registered with eHealth. eHR number: ", "已登記醫健通。電子健康紀錄號碼："))
                    strong #ehr { (EhrNumber::parse(ehr_number).map(|e| e.to_string()).unwrap_or_default()) } }
            }
            RegistrationState::PendingVerification { .. } => {
                p #state { (lang.t("Applied in the app: identity verification is pending. Check the patient's identity document to complete the registration.",
                    "已在應用程式申請：尚待核實身份。請核對病人的身份證明文件以完成登記。")) }
            }
            RegistrationState::Withdrawn => {
                p #state { (lang.t("Withdrawn from eHealth: no sharing is possible.", "已退出醫健通：不能互通紀錄。")) }
            }
            RegistrationState::NotFound => {
                p #state { (lang.t("Not registered: no patient or application was found with these details.",
                    "未登記：找不到符合資料的病人或申請。")) }
            }
        }
    }
}

fn result(lang: Lang, found: &PatientLookup) -> Markup {
    let registered = match &found.state {
        RegistrationState::Registered { ehr_number } => Some(ehr_number.as_str()),
        _ => None,
    };
    html! {
        section aria-labelledby="found-heading" {
            h2 #found-heading { (lang.t("Patient", "病人")) }
            (state_text(lang, &found.state))
            @if let Some(ehr) = registered {
                p #consent-state {
                    @match &found.consent {
                        Some(c) if c.status == ConsentStatus::Active => {
                            (lang.t("This clinic holds sharing consent: ", "本機構持有互通同意："))
                            (consent_sentence(lang, c)) (lang.t(".", "。"))
                        }
                        _ => { (lang.t("This clinic holds no sharing consent from this patient.", "本機構未有此病人的互通同意。")) }
                    }
                }
                h2 { (lang.t("What you may see", "你可查閱的資料")) }
                @if found.visible.is_empty() {
                    p { (lang.t("Your profession may see no data types.", "你的專業不可查閱任何資料類別。")) }
                } @else {
                    ul #visible-types {
                        @for t in &found.visible {
                            li { (lang.data_type(*t))
                                @if found.restricted.contains(t) {
                                    " — " (lang.t("restricted: needs a reason and the patient's approval", "受限制：須說明原因並得到病人批准"))
                                }
                            }
                        }
                    }
                }
                h2 { (lang.t("Sharing consent by access key", "以存取密碼處理互通同意")) }
                (consent_form(lang, ehr))
                h2 { (lang.t("Sharing consent by signed form or smart HKIC", "以表格或智能身份證給予互通同意")) }
                (super::form_consent::form(lang, ehr))
                h2 { (lang.t("View the eHR", "查閱電子健康紀錄")) }
                (view_form(lang, ehr))
            }
            @if let RegistrationState::PendingVerification { application_id } = &found.state {
                h2 { (lang.t("Identity verification", "核實身份")) }
                (verify_form(lang, application_id))
            }
        }
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
    lang.t("Find a patient", "尋找病人")
}

pub async fn page(
    services: web::Data<Services>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    staff_page::page(services, req, PATH, title, form).await
}

pub async fn submit(
    services: web::Data<Services>,
    req: HttpRequest,
    body: web::Form<FindForm>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::of(&req);
    let body = body.into_inner();
    let found = staff_page::as_staff(services, &req, move |services, staff| {
        parse(&body).and_then(|who| {
            let mut conn = services.db.get()?;
            patient_lookup::look_up(
                &mut conn,
                &services.config.security,
                staff,
                &who,
                Utc::now(),
            )
        })
    })
    .await?;
    let (name, outcome) = match found {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let (status, shown) = staff_page::outcome_note(lang, outcome, |found| result(lang, found))?;
    Ok(html_page(
        status,
        &frame(lang, &name),
        title(lang),
        html! { (shown) (form(lang)) },
    ))
}
