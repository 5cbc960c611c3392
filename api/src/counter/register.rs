//! Identity verification at the counter: completing a pending application (the form on
//! the find page) and registering a walk-in patient (`/counter/register`). The document
//! is checked in person, or read from the smart HKIC (a reader's output, pasted or posted
//! as JSON); optional sharing consent in the same step. The eHR number is shown and the
//! fact that the access key was sent; never the key. The same core action as
//! `POST /v1/hcp/identity-verifications`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::accounts::Staff;
use ehealth_core::actions::counter_registration::{
    self, CounterRegistration, IdentityVerification, Subject, Verification,
};
use ehealth_core::actions::registration::{Particulars, ParticularsText};
use ehealth_core::context::Services;
use ehealth_core::db::patients::{self, Patient};
use ehealth_core::domain::ConsentType;
use ehealth_core::ids::{EhrNumber, IdentityDocument};
use ehealth_core::{CoreError, CoreResult};
use maud::{html, Markup, Render};
use serde::Deserialize;

use super::consent::consent_sentence;
use super::layout::{error_note, form_id, page as html_page, valid_form_id};
use super::staff_page;
use super::submission::{self, Turn};
use super::{Frame, Lang};
use crate::http::errors::ApiError;

const PATH: &str = "/counter/register";

#[derive(Debug, Clone, Default, Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    pub application_id: String,
    #[serde(default)]
    pub doc_type: String,
    #[serde(default)]
    pub doc_number: String,
    #[serde(default)]
    pub doc_place: String,
    /// The smart HKIC reader's output (JSON), when the card was read.
    #[serde(default)]
    pub card_data: String,
    #[serde(default)]
    pub document_checked: Option<String>,
    #[serde(default)]
    pub contact_confirmed: Option<String>,
    #[serde(default)]
    pub consent: String,
    #[serde(default)]
    pub form_id: String,
    // A walk-in's particulars.
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub date_of_birth: String,
    #[serde(default)]
    pub sex: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub postal_address: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub notify_sms: Option<String>,
    #[serde(default)]
    pub notify_email: Option<String>,
    #[serde(default)]
    pub notify_post: Option<String>,
}

/// What a smart HKIC reader gives: the card's particulars.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CardRead {
    pub(super) hkic: String,
    name_en: String,
    name_zh: Option<String>,
    date_of_birth: String,
    sex: String,
}

pub(super) fn card(text: &str) -> CoreResult<Option<CardRead>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    serde_json::from_str(text)
        .map(Some)
        .map_err(|_| CoreError::invalid("card_data", "not a smart HKIC read"))
}

fn field(label: &str, id: &str, input: impl Render) -> Markup {
    html! { label for=(id) { (label) } (input) }
}

fn document_fields(lang: Lang) -> Markup {
    html! {
        fieldset {
            legend { (lang.t("Identity document", "身份證明文件")) }
            p { (lang.t("Either read the smart HKIC, or check the document in person and type it.",
                "讀取智能身份證，或親身核對文件並輸入資料。")) }
            (field(lang.t("Smart HKIC read (the reader's data)", "智能身份證讀取資料"), "card_data",
                html! { textarea #card_data name="card_data" rows="3" autocomplete="off" {} }))
            (field(lang.t("Document type", "文件類別"), "doc_type", html! {
                select #doc_type name="doc_type" {
                    option value="hkic" { (lang.t("Hong Kong Identity Card (HKIC)", "香港身份證")) }
                    option value="passport" { (lang.t("Passport", "護照")) }
                    option value="birth_certificate" { (lang.t("Birth certificate", "出生證明書")) }
                    option value="exit_entry_permit" { (lang.t("Exit-entry permit", "出入境證件")) }
                }
            }))
            (field(lang.t("Document number", "文件號碼"), "doc_number", html! { input #doc_number name="doc_number" autocomplete="off"; }))
            (field(lang.t("Place of issue (documents other than HKIC)", "簽發地（香港身份證以外的文件）"), "doc_place",
                html! { input #doc_place name="doc_place" autocomplete="off"; }))
            p {
                input #document_checked type="checkbox" name="document_checked" value="yes";
                label for="document_checked" style="display:inline;font-weight:normal" {
                    " " (lang.t("I have checked this document in person (not needed for a smart HKIC read)", "我已親身核對此文件（讀取智能身份證則無須）"))
                }
            }
        }
    }
}

fn closing_fields(lang: Lang) -> Markup {
    html! {
        p {
            input #contact_confirmed type="checkbox" name="contact_confirmed" value="yes" required;
            label for="contact_confirmed" style="display:inline;font-weight:normal" {
                " " (lang.t("The patient confirmed their contact details (mobile, email, address)", "病人已確認其聯絡資料（手提電話、電郵、地址）"))
            }
        }
        (field(lang.t("Sharing consent for this clinic in the same step", "同時給予本機構互通同意"), "with_consent", html! {
            select #with_consent name="consent" {
                option value="" { (lang.t("No consent now", "暫不給予")) }
                option value="one_year" { (lang.consent_type("one_year")) }
                option value="indefinite" { (lang.consent_type("indefinite")) }
            }
        }))
        input type="hidden" name="form_id" value=(form_id());
    }
}

/// The verification form under a pending applicant found on the find page.
pub fn verify_form(lang: Lang, application_id: &str) -> Markup {
    html! {
        form method="post" action="/counter/verify" id="verify" {
            input type="hidden" name="application_id" value=(application_id);
            (document_fields(lang))
            (closing_fields(lang))
            button type="submit" { (lang.t("Verify identity and complete registration", "核實身份並完成登記")) }
        }
    }
}

fn walk_in_form(lang: Lang, typed: &VerifyForm) -> Markup {
    let text = |label, id: &'static str, value: &str| {
        field(
            label,
            id,
            html! { input id=(id) name=(id) autocomplete="off" value=(value); },
        )
    };
    html! {
        form method="post" action=(PATH) id="register" {
            (document_fields(lang))
            fieldset {
                legend { (lang.t("Particulars (a smart HKIC read fills the card's)", "個人資料（讀取智能身份證時以卡上資料為準）")) }
                (text(lang.t("Name in English", "英文姓名"), "name_en", &typed.name_en))
                (text(lang.t("Name in Chinese (optional)", "中文姓名（選填）"), "name_zh", &typed.name_zh))
                (text(lang.t("Date of birth (YYYY-MM-DD)", "出生日期（年-月-日）"), "date_of_birth", &typed.date_of_birth))
                (field(lang.t("Sex", "性別"), "sex", html! {
                    select #sex name="sex" {
                        option value="F" selected[typed.sex == "F"] { (lang.t("Female", "女")) }
                        option value="M" selected[typed.sex == "M"] { (lang.t("Male", "男")) }
                        option value="U" selected[typed.sex == "U"] { (lang.t("Not stated", "未有說明")) }
                    }
                }))
                (text(lang.t("Mobile number (with country code, e.g. +852 9123 4567)", "手提電話號碼（連國家代碼，例如 +852 9123 4567）"), "mobile", &typed.mobile))
                (text(lang.t("Email (optional)", "電郵（選填）"), "email", &typed.email))
                (text(lang.t("Postal address (optional)", "郵寄地址（選填）"), "postal_address", &typed.postal_address))
                (field(lang.t("Language for messages", "通知語言"), "language", html! {
                    select #language name="language" {
                        option value="zh-Hant" lang="zh-Hant" selected[typed.language == "zh-Hant"] { "繁體中文" }
                        option value="en" lang="en" selected[typed.language == "en"] { "English" }
                        option value="zh-Hans" lang="zh-Hans" selected[typed.language == "zh-Hans"] { "简体中文" }
                    }
                }))
                fieldset {
                    legend { (lang.t("Notify the patient by", "通知方式")) }
                    @for (id, label) in [("notify_sms", lang.t("SMS", "短訊")), ("notify_email", lang.t("Email", "電郵")), ("notify_post", lang.t("Post", "郵寄"))] {
                        input id=(id) type="checkbox" name=(id) value="yes" checked[id == "notify_sms"];
                        label for=(id) style="display:inline;font-weight:normal;margin-right:1rem" { " " (label) }
                    }
                }
            }
            (closing_fields(lang))
            button type="submit" { (lang.t("Register the patient", "登記病人")) }
        }
    }
}

fn document_of(form: &VerifyForm, read: Option<&CardRead>) -> CoreResult<IdentityDocument> {
    match read {
        Some(c) => IdentityDocument::parse("hkic", &c.hkic, None),
        None => {
            let place = Some(form.doc_place.trim()).filter(|p| !p.is_empty());
            IdentityDocument::parse(&form.doc_type, &form.doc_number, place)
        }
    }
}

fn request(form: &VerifyForm) -> CoreResult<(IdentityVerification, IdentityDocument)> {
    let read = card(&form.card_data)?;
    let verified_by = match (&read, form.document_checked.is_some()) {
        (Some(_), _) => Verification::SmartHkic,
        (None, true) => Verification::DocumentChecked,
        (None, false) => {
            return Err(CoreError::invalid(
                "document_checked",
                "check the document in person",
            ))
        }
    };
    let document = document_of(form, read.as_ref())?;
    let subject = if form.application_id.is_empty() {
        let means: Vec<String> = [
            ("sms", &form.notify_sms),
            ("email", &form.notify_email),
            ("post", &form.notify_post),
        ]
        .into_iter()
        .filter(|(_, on)| on.is_some())
        .map(|(m, _)| m.to_owned())
        .collect();
        fn optional(s: &str) -> Option<&str> {
            Some(s.trim()).filter(|s| !s.is_empty())
        }
        let text = ParticularsText {
            name_en: read
                .as_ref()
                .map_or(form.name_en.as_str(), |c| c.name_en.as_str()),
            name_zh: match &read {
                Some(c) => c.name_zh.as_deref(),
                None => optional(&form.name_zh),
            },
            date_of_birth: read
                .as_ref()
                .map_or(form.date_of_birth.as_str(), |c| c.date_of_birth.as_str()),
            sex: read.as_ref().map_or(form.sex.as_str(), |c| c.sex.as_str()),
            mobile: &form.mobile,
            email: optional(&form.email),
            postal_address: optional(&form.postal_address),
            language: &form.language,
            notification_means: &means,
        };
        Subject::WalkIn(Box::new(Particulars::parse(document.clone(), &text)?))
    } else {
        Subject::Application {
            id: form.application_id.clone(),
            document: document.clone(),
        }
    };
    let consent = match form.consent.as_str() {
        "" => None,
        t => Some(ConsentType::parse(t)?),
    };
    Ok((
        IdentityVerification {
            subject,
            verified_by,
            contact_confirmed: form.contact_confirmed.is_some(),
            consent,
        },
        document,
    ))
}

enum Done {
    Registered(Box<CounterRegistration>),
    /// A repeat of a form already sent: the patient as the first post left them.
    Repeat(Option<Box<Patient>>),
}

fn act(services: &Services, staff: &Staff, form: &VerifyForm) -> CoreResult<Done> {
    let form_id = valid_form_id(&form.form_id)
        .ok_or_else(|| CoreError::invalid("form_id", "reload the page"))?;
    let (req, document) = request(form)?;
    let mut conn = services.db.get()?;
    if submission::claim(&mut conn, form_id, &staff.account.id)? == Turn::Repeat {
        return Ok(Done::Repeat(
            patients::find_by_document(&mut conn, &document.key())?.map(Box::new),
        ));
    }
    let outcome =
        counter_registration::verify_identity(&mut conn, &services.hasher, staff, &req, Utc::now());
    submission::finish(&mut conn, form_id)?;
    Ok(Done::Registered(Box::new(outcome?)))
}

fn ehr_text(ehr: &str) -> String {
    EhrNumber::parse(ehr)
        .map(|e| e.to_string())
        .unwrap_or_default()
}

fn done_note(lang: Lang, done: &Done) -> Markup {
    match done {
        Done::Registered(r) => {
            let patient = &r.registered.patient;
            html! {
                p.ok #result role="status" {
                    (lang.t("Registration is complete. eHR number: ", "登記已完成。電子健康紀錄號碼："))
                    strong #ehr { (ehr_text(&patient.ehr_number)) }
                }
                p #key-sent {
                    @match lang {
                        Lang::En => { "The patient's access key has been sent to them by " (lang.means(&patient.notification_means())) ". It is never shown here." }
                        Lang::ZhHant => { "病人的存取密碼已經" (lang.means(&patient.notification_means())) "發送給病人，此處不會顯示。" }
                    }
                }
                @match &r.consent {
                    Some(Ok(c)) => p #consent-state { (lang.t("This clinic's sharing consent: ", "本機構的互通同意：")) (consent_sentence(lang, c)) (lang.t(".", "。")) },
                    Some(Err(e)) => p.error #error role="alert" { (lang.t("Registered, but the consent could not be taken: ", "已登記，但未能取得互通同意：")) (lang.error(e)) },
                    None => {}
                }
            }
        }
        Done::Repeat(patient) => html! {
            p.ok #result role="status" {
                (lang.t("This form was already sent; it was acted on once. ", "此表格已遞交，只會處理一次。"))
                @if let Some(p) = patient {
                    (lang.t("eHR number: ", "電子健康紀錄號碼：")) strong #ehr { (ehr_text(&p.ehr_number)) }
                }
            }
        },
    }
}

fn frame<'a>(lang: Lang, path: &'a str, name: &'a str) -> Frame<'a> {
    Frame {
        lang,
        path,
        signed_in_as: Some(name),
    }
}

fn title(lang: Lang) -> &'static str {
    lang.t("Register a patient", "登記病人")
}

pub async fn page(
    services: web::Data<Services>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    staff_page::page(services, req, PATH, title, |lang| {
        walk_in_form(lang, &VerifyForm::default())
    })
    .await
}

/// `POST /counter/register` (a walk-in) and `POST /counter/verify` (an application).
pub async fn submit(
    services: web::Data<Services>,
    req: HttpRequest,
    body: web::Form<VerifyForm>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::of(&req);
    let body = body.into_inner();
    let typed = body.clone();
    let walk_in = body.application_id.is_empty();
    let acted = staff_page::as_staff(services, &req, move |services, staff| {
        act(services, staff, &body)
    })
    .await?;
    let (name, outcome) = match acted {
        Ok(acted) => acted,
        Err(answer) => return Ok(answer),
    };
    let (status, note) = match outcome {
        Ok(done) => (StatusCode::OK, done_note(lang, &done)),
        Err(e) => {
            let (status, message) = staff_page::error_words(lang, e)?;
            let again = html! {
                @if walk_in { (walk_in_form(lang, &typed)) } @else {
                    p { a href="/counter/find" { (lang.t("Find the applicant again to retry", "重新尋找申請人再試")) } }
                }
            };
            (status, html! { (error_note(Some(&message))) (again) })
        }
    };
    let path = if walk_in { PATH } else { "/counter/find" };
    let heading = if walk_in {
        title(lang)
    } else {
        lang.t("Identity verification", "核實身份")
    };
    Ok(html_page(status, &frame(lang, path, &name), heading, note))
}
