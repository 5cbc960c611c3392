//! Sharing a record from the portal (for a clinic without an eMR system): a FHIR R4 JSON
//! document of one of the eleven data types, pasted or typed. What is wrong with a document
//! is told in plain words in both languages, from the same rules the core action checks
//! (`records::validate_document`); then the same core action as `POST /v1/hcp/records`.

use actix_web::error::{InternalError, UrlencodedError};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::accounts::Staff;
use ehealth_core::actions::records::{self, fhir_types, MAX_DOCUMENT_BYTES};
use ehealth_core::context::Services;
use ehealth_core::db::records::SharedRecord;
use ehealth_core::domain::DataType;
use ehealth_core::ids::EhrNumber;
use ehealth_core::{CoreError, CoreResult};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{error_note, form_id, page as html_page, valid_form_id};
use super::staff_page;
use super::submission::{self, Turn};
use super::{Frame, Lang};
use crate::http::errors::ApiError;

const PATH: &str = "/counter/share";
/// A form post's largest body: the api's limit for every body (`text_input` reads no more),
/// which leaves room for a 48 KB document's URL encoding when it is mostly letters.
const MAX_FORM_BYTES: usize = crate::http::errors::JSON_LIMIT;

#[derive(Debug, Default, Deserialize)]
pub struct ShareForm {
    #[serde(default)]
    pub ehr_number: String,
    #[serde(default)]
    pub data_type: String,
    #[serde(default)]
    pub document: String,
    #[serde(default)]
    pub form_id: String,
}

/// The form's size limit; a larger post is answered with a page in plain words (413).
pub fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(MAX_FORM_BYTES)
        .error_handler(|err, req| {
            let lang = Lang::of(req);
            let status = match err {
                UrlencodedError::Overflow { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::BAD_REQUEST,
            };
            let message = lang.t(
                "The document is too large to share: at most 48 KB of JSON.",
                "文件太大，無法上載：JSON 最多 48 KB。",
            );
            let frame = Frame {
                lang,
                path: PATH,
                signed_in_as: None,
            };
            let page = html_page(status, &frame, title(lang), error_note(Some(message)));
            InternalError::from_response(err, page).into()
        })
}

fn title(lang: Lang) -> &'static str {
    lang.t("Share a record", "上載紀錄")
}

fn form(lang: Lang, typed: &ShareForm) -> Markup {
    html! {
        form method="post" action=(PATH) id="share" {
            input type="hidden" name="form_id" value=(form_id());
            label for="share_ehr" { (lang.t("Patient's eHR number (12 digits)", "病人的電子健康紀錄號碼（12位數字）")) }
            input #share_ehr name="ehr_number" inputmode="numeric" autocomplete="off" required value=(typed.ehr_number);
            label for="data_type" { (lang.t("Data type", "資料類別")) }
            select #data_type name="data_type" {
                @for &t in DataType::ALL.iter() {
                    option value=(t.as_str()) selected[typed.data_type == t.as_str()] { (lang.data_type(t)) }
                }
            }
            label for="document" { (lang.t("The FHIR R4 document (JSON), pasted from your file", "FHIR R4 文件（JSON），由檔案貼上")) }
            textarea #document name="document" rows="12" autocomplete="off" spellcheck="false" required { (typed.document) }
            p { (lang.t("At most 48 KB. The resource type must fit the data type.", "最多 48 KB。資源類別須配合資料類別。")) }
            button type="submit" { (lang.t("Share the record", "上載紀錄")) }
        }
    }
}

/// What is wrong with a document, in plain words; the core action checks the same rules.
fn document_problem(lang: Lang, data_type: DataType, text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return Some(
            lang.t(
                "Please paste the FHIR R4 JSON document.",
                "請貼上 FHIR R4 JSON 文件。",
            )
            .into(),
        );
    }
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return Some(match lang {
                Lang::En => format!(
                    "The document is not valid JSON: the mistake is at line {}, column {}.",
                    e.line(),
                    e.column()
                ),
                Lang::ZhHant => format!(
                    "文件並非有效的 JSON：錯誤位於第 {} 行第 {} 欄。",
                    e.line(),
                    e.column()
                ),
            })
        }
    };
    let Some(object) = value.as_object() else {
        return Some(
            lang.t(
                "The document must be one FHIR resource: a JSON object in braces { }.",
                "文件須為一項 FHIR 資源：以大括號 { } 包住的 JSON 物件。",
            )
            .into(),
        );
    };
    if value.to_string().len() > MAX_DOCUMENT_BYTES {
        return Some(
            lang.t(
                "The document is too large to share: at most 48 KB of JSON.",
                "文件太大，無法上載：JSON 最多 48 KB。",
            )
            .into(),
        );
    }
    let allowed = fhir_types(data_type);
    match object.get("resourceType") {
        None => None,
        Some(serde_json::Value::String(t)) if allowed.contains(&t.as_str()) => None,
        Some(other) => {
            let given = other
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| other.to_string());
            Some(match lang {
                Lang::En => format!("A record of “{}” must be a FHIR resource of type {}; this document is “{given}”.", lang.data_type(data_type), allowed.join(" or ")),
                Lang::ZhHant => format!("「{}」紀錄須為 FHIR 資源類別 {}；此文件為「{given}」。", lang.data_type(data_type), allowed.join("或")),
            })
        }
    }
}

enum Done {
    Shared(SharedRecord),
    Repeat,
}

enum Outcome {
    Done(Done),
    Problem(String),
}

fn act(services: &Services, staff: &Staff, lang: Lang, body: &ShareForm) -> CoreResult<Outcome> {
    let form_id = valid_form_id(&body.form_id)
        .ok_or_else(|| CoreError::invalid("form_id", "reload the page"))?;
    let ehr = EhrNumber::parse(&body.ehr_number)?;
    let data_type = DataType::parse(&body.data_type)?;
    if let Some(problem) = document_problem(lang, data_type, &body.document) {
        return Ok(Outcome::Problem(problem));
    }
    let document: serde_json::Value = serde_json::from_str(body.document.trim())
        .map_err(|_| CoreError::invalid("document", "not JSON"))?;
    let mut conn = services.db.get()?;
    if submission::claim(&mut conn, form_id, &staff.account.id)? == Turn::Repeat {
        return Ok(Outcome::Done(Done::Repeat));
    }
    let shared = records::share(&mut conn, staff, &ehr, data_type, &document, Utc::now());
    submission::finish(&mut conn, form_id)?;
    Ok(Outcome::Done(Done::Shared(shared?)))
}

fn done_note(lang: Lang, done: &Done) -> Markup {
    html! {
        @match done {
            Done::Shared(r) => p.ok #result role="status" {
                (lang.t("Shared: a record of ", "已上載："))
                (lang.data_type(r.data_type))
                (lang.t(", at ", "，時間："))
                (lang.stored_time(r.created_at)) (lang.t(".", "。"))
            },
            Done::Repeat => p.ok #result role="status" {
                (lang.t("This form was already sent; the record was shared once.", "此表格已遞交，紀錄只會上載一次。"))
            },
        }
    }
}

pub async fn page(
    services: web::Data<Services>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    staff_page::page(services, req, PATH, title, |lang| {
        form(lang, &ShareForm::default())
    })
    .await
}

pub async fn submit(
    services: web::Data<Services>,
    req: HttpRequest,
    body: web::Form<ShareForm>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::of(&req);
    let body = std::sync::Arc::new(body.into_inner());
    let typed = body.clone();
    let acted = staff_page::as_staff(services, &req, move |services, staff| {
        act(services, staff, lang, &body)
    })
    .await?;
    let (name, outcome) = match acted {
        Ok(acted) => acted,
        Err(answer) => return Ok(answer),
    };
    let (status, shown) = match outcome {
        Ok(Outcome::Done(done)) => (
            StatusCode::OK,
            html! { (done_note(lang, &done)) (form(lang, &ShareForm::default())) },
        ),
        Ok(Outcome::Problem(problem)) => (
            StatusCode::BAD_REQUEST,
            html! { (error_note(Some(&problem))) (form(lang, &typed)) },
        ),
        Err(e) => {
            let (status, message) = staff_page::error_words(lang, e)?;
            (
                status,
                html! { (error_note(Some(&message))) (form(lang, &typed)) },
            )
        }
    };
    let frame = Frame {
        lang,
        path: PATH,
        signed_in_as: Some(&name),
    };
    Ok(html_page(status, &frame, title(lang), shown))
}
