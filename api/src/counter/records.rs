//! Viewing a patient's eHR at the counter: the purpose (a care episode opened for this
//! visit, or a reason) and the data types; the records the access decision allows, the
//! types withheld with the reason in plain words, and for a restricted type "ask the
//! patient's approval", which sends the request; this provider's requests are listed with
//! their answer. The same core actions as `POST /v1/hcp/record-views`, `care-episodes`
//! and `approval-requests`. Every view is audited and notified by core; a view posted
//! twice (a double click) is made once.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::accounts::Staff;
use ehealth_core::actions::counter_consent::PatientRef;
use ehealth_core::actions::record_view::{self, RecordView, StatedPurpose, ViewRequest};
use ehealth_core::actions::{approval_request, records as record_actions};
use ehealth_core::context::Services;
use ehealth_core::db::approvals::{self, Approval};
use ehealth_core::db::patients;
use ehealth_core::domain::DataType;
use ehealth_core::ids::EhrNumber;
use ehealth_core::rules::Refusal;
use ehealth_core::{CoreError, CoreResult};
use maud::{html, Markup};

use super::layout::{error_note, form_id, page as html_page, valid_form_id};
use super::staff_page;
use super::submission::{self, Turn};
use super::{staff_of, to_sign_in, token_of, Frame, Lang};
use crate::http::errors::{blocking, ApiError};

const PATH: &str = "/counter/records";

/// A form whose fields repeat (`data_type=a&data_type=b`), read in order.
fn pairs(body: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(body).unwrap_or_default()
}

fn first(p: &[(String, String)], name: &str) -> String {
    p.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn types_in(p: &[(String, String)]) -> CoreResult<Vec<DataType>> {
    let names: Vec<String> = p
        .iter()
        .filter(|(k, _)| k == "data_type")
        .map(|(_, v)| v.clone())
        .collect();
    DataType::parse_list("data_types", &names)
}

pub fn view_form(lang: Lang, ehr: &str) -> Markup {
    html! {
        form method="post" action=(PATH) id="view" {
            input type="hidden" name="form_id" value=(form_id());
            label for="view_ehr" { (lang.t("Patient's eHR number", "病人的電子健康紀錄號碼")) }
            input #view_ehr name="ehr_number" inputmode="numeric" autocomplete="off" required value=(ehr);
            fieldset {
                legend { (lang.t("Purpose", "目的")) }
                input #purpose_episode type="radio" name="purpose" value="episode" checked;
                label for="purpose_episode" style="display:inline;font-weight:normal" { " " (lang.t("Care of the patient at this visit (opens a care episode)", "本次診症照顧病人（開啟照顧事件）")) }
                br;
                input #purpose_reason type="radio" name="purpose" value="reason";
                label for="purpose_reason" style="display:inline;font-weight:normal" { " " (lang.t("Another reason (write it below)", "其他原因（請於下方填寫）")) }
                label for="reason" { (lang.t("Reason (needed for restricted types)", "原因（查閱受限制類別時必須填寫）")) }
                input #reason name="reason" maxlength="500" autocomplete="off";
            }
            fieldset {
                legend { (lang.t("Data types", "資料類別")) }
                @for &t in DataType::ALL.iter() {
                    div {
                        input id=(format!("type_{}", t.as_str())) type="checkbox" name="data_type" value=(t.as_str()) checked;
                        label for=(format!("type_{}", t.as_str())) style="display:inline;font-weight:normal" { " " (lang.data_type(t)) }
                    }
                }
            }
            button type="submit" { (lang.t("View the records", "查閱紀錄")) }
        }
    }
}

fn withheld_reason(lang: Lang, r: Refusal) -> &'static str {
    match r {
        Refusal::NotPermittedForProfession => lang.t(
            "your profession may not see this type",
            "你的專業不可查閱此類別",
        ),
        Refusal::RestrictedNeedsReason => {
            lang.t("restricted: state a reason to see it", "受限制：須說明原因")
        }
        Refusal::RestrictedNeedsPatientApproval => lang.t(
            "restricted: needs the patient's approval",
            "受限制：須得到病人批准",
        ),
        _ => lang.t("not available to you now", "你現時不能查閱"),
    }
}

fn refusal_words(lang: Lang, code: &str) -> Option<&'static str> {
    Some(match code {
        "no_sharing_consent" => lang.t(
            "Your clinic holds no sharing consent from this patient: take consent first.",
            "貴機構未有此病人的互通同意：請先取得同意。",
        ),
        "patient_not_registered" => lang.t(
            "No registered patient has this eHR number.",
            "沒有已登記病人使用此電子健康紀錄號碼。",
        ),
        "patient_withdrawn" => lang.t(
            "This patient has withdrawn from eHealth.",
            "此病人已退出醫健通。",
        ),
        "purpose_required" => lang.t(
            "Please state the purpose: a care episode or a reason.",
            "請說明目的：照顧事件或原因。",
        ),
        "no_data_types_requested" => lang.t(
            "Please choose at least one data type.",
            "請最少選擇一個資料類別。",
        ),
        "not_permitted_for_profession" => lang.t(
            "Your profession may not see any of the types chosen.",
            "你的專業不可查閱所選的任何類別。",
        ),
        "account_not_active" | "account_not_at_provider" => lang.t(
            "Your account cannot view records now.",
            "你的帳戶現時不能查閱紀錄。",
        ),
        _ => return None,
    })
}

fn approvals_list(lang: Lang, list: &[Approval]) -> Markup {
    html! {
        @if !list.is_empty() {
            h2 { (lang.t("Requests for the patient's approval", "要求病人批准的紀錄")) }
            ul #approvals {
                @for a in list {
                    li {
                        (DataType::split(&a.data_types).map(|ts| ts.into_iter().map(|t| lang.data_type(t)).collect::<Vec<_>>().join(", ")).unwrap_or_default())
                        ": " (lang.t("asked ", "要求於 ")) (lang.stored_time(a.created_at)) "; "
                        @match (a.status.as_str(), a.decided_at) {
                            ("approved", Some(t)) => { (lang.t("approved ", "已批准於 ")) (lang.stored_time(t)) }
                            ("pending", _) => { (lang.t("waiting for the patient's answer in the app (reload to see it)", "等待病人在應用程式回覆（重新載入以查看）")) }
                            (_, Some(t)) => { (lang.t("declined ", "已拒絕於 ")) (lang.stored_time(t)) }
                            _ => { (lang.t("expired", "已過期")) }
                        }
                    }
                }
            }
        }
    }
}

fn approval_form(lang: Lang, ehr: &str, types: &[DataType]) -> Markup {
    html! {
        form method="post" action="/counter/approval" id="approval" {
            input type="hidden" name="form_id" value=(form_id());
            input type="hidden" name="ehr_number" value=(ehr);
            @for t in types { input type="hidden" name="data_type" value=(t.as_str()); }
            label for="approval_reason" { (lang.t("Reason to give the patient", "向病人說明的原因")) }
            input #approval_reason name="reason" maxlength="500" required autocomplete="off";
            button type="submit" { (lang.t("Ask the patient's approval", "要求病人批准")) }
        }
    }
}

fn shown(lang: Lang, ehr: &str, view: &RecordView) -> Markup {
    let need_approval: Vec<DataType> = view
        .withheld
        .iter()
        .filter(|w| w.reason == Refusal::RestrictedNeedsPatientApproval)
        .map(|w| w.data_type)
        .collect();
    html! {
        p.ok #result role="status" {
            (lang.t("Access granted and logged; the patient is told.", "已獲准查閱並記錄；病人會收到通知。"))
        }
        h2 { (lang.t("Records", "紀錄")) }
        @if view.records.is_empty() {
            p #records { (lang.t("No records of the types allowed.", "所准許的類別沒有紀錄。")) }
        } @else {
            ul #records {
                @for r in &view.records {
                    li {
                        strong { (lang.data_type(r.data_type)) }
                        ", " (lang.stored_time(r.created_at))
                        details { summary { (lang.t("The document (FHIR R4)", "文件（FHIR R4）")) } pre { (r.document) } }
                    }
                }
            }
        }
        @if !view.withheld.is_empty() {
            h2 { (lang.t("Withheld", "未有提供")) }
            ul #withheld {
                @for w in &view.withheld {
                    li { (lang.data_type(w.data_type)) ": " (withheld_reason(lang, w.reason)) }
                }
            }
        }
        @if !need_approval.is_empty() {
            (approval_form(lang, ehr, &need_approval))
        }
    }
}

/// One of the two acts of this page (view, ask approval).
type Act = fn(&Services, &Staff, &[(String, String)]) -> CoreResult<Done>;

enum Done {
    Viewed(RecordView),
    Asked(Approval),
    Repeat,
}

fn view(services: &Services, staff: &Staff, p: &[(String, String)]) -> CoreResult<Done> {
    let ehr = EhrNumber::parse(&first(p, "ehr_number"))?;
    let types = types_in(p)?;
    let reason = first(p, "reason").trim().to_owned();
    let mut conn = services.db.get()?;
    let purpose = match first(p, "purpose").as_str() {
        "reason" if reason.is_empty() => None,
        "reason" => Some(StatedPurpose::Reason(reason)),
        _ => {
            let episode = record_actions::open_episode(&mut conn, staff, &ehr, Utc::now())?;
            Some(StatedPurpose::CareEpisode(episode.id))
        }
    };
    let request = ViewRequest {
        account_id: staff.account.id.clone(),
        patient: PatientRef::Ehr(ehr),
        purpose,
        data_types: types,
    };
    Ok(Done::Viewed(record_view::view(
        &mut conn,
        &request,
        Utc::now(),
    )?))
}

fn ask(services: &Services, staff: &Staff, p: &[(String, String)]) -> CoreResult<Done> {
    let ehr = EhrNumber::parse(&first(p, "ehr_number"))?;
    let types = types_in(p)?;
    let mut conn = services.db.get()?;
    let approval = approval_request::request(
        &mut conn,
        staff,
        &ehr,
        &types,
        &first(p, "reason"),
        Utc::now(),
    )?;
    Ok(Done::Asked(approval))
}

/// This provider's approval requests for the patient, newest first.
fn requests_of(services: &Services, staff: &Staff, ehr: &str) -> CoreResult<Vec<Approval>> {
    let mut conn = services.db.get()?;
    let Some(patient) = patients::find_by_ehr_number(&mut conn, ehr)? else {
        return Ok(vec![]);
    };
    Ok(approvals::for_patient(&mut conn, &patient.id)?
        .into_iter()
        .filter(|a| Some(a.provider_id.as_str()) == staff.provider_id())
        .collect())
}

fn once(services: &Services, staff: &Staff, p: &[(String, String)], act: Act) -> CoreResult<Done> {
    let id = first(p, "form_id");
    let form_id =
        valid_form_id(&id).ok_or_else(|| CoreError::invalid("form_id", "reload the page"))?;
    let mut conn = services.db.get()?;
    if submission::claim(&mut conn, form_id, &staff.account.id)? == Turn::Repeat {
        return Ok(Done::Repeat);
    }
    drop(conn);
    let outcome = act(services, staff, p);
    let mut conn = services.db.get()?;
    submission::finish(&mut conn, form_id)?;
    outcome
}

fn title(lang: Lang) -> &'static str {
    lang.t("View the eHR", "查閱電子健康紀錄")
}

pub async fn page(
    services: web::Data<Services>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    staff_page::page(services, req, PATH, title, |lang| view_form(lang, "")).await
}

async fn handle(
    services: web::Data<Services>,
    req: HttpRequest,
    body: String,
    act: Act,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::of(&req);
    if !super::same_origin(&req) {
        return Ok(super::cross_site(lang));
    }
    let token = token_of(&req);
    let had_cookie = token.is_some();
    let p = pairs(&body);
    let ehr = first(&p, "ehr_number");
    let result = blocking(move || {
        let Some(staff) = staff_of(&services, token)? else {
            return Ok(None);
        };
        let outcome = once(&services, &staff, &p, act);
        let ehr = EhrNumber::parse(&first(&p, "ehr_number"))
            .map(|e| e.as_str().to_owned())
            .unwrap_or_default();
        let requests = requests_of(&services, &staff, &ehr)?;
        Ok(Some((staff.account.display_name, outcome, requests)))
    })
    .await?;
    let Some((name, outcome, requests)) = result else {
        return Ok(to_sign_in(had_cookie));
    };
    let (status, note) = match outcome {
        Ok(Done::Viewed(v)) => (StatusCode::OK, shown(lang, &ehr, &v)),
        Ok(Done::Asked(a)) => (
            StatusCode::OK,
            html! {
                p.ok #result role="status" {
                    (lang.t("The request was sent to the patient's eHealth app; it is open until ", "要求已發送到病人的醫健通應用程式，有效至"))
                    (lang.stored_time(a.expires_at)) (lang.t(".", "。"))
                }
            },
        ),
        Ok(Done::Repeat) => (
            StatusCode::OK,
            html! {
                p.ok #result role="status" { (lang.t("This form was already sent; it was acted on once (and logged once). To see the records again, make a new view.",
                    "此表格已遞交，只會處理及記錄一次。如需再次查閱，請重新查閱。")) }
            },
        ),
        Err(e) => {
            let words = match &e {
                CoreError::Refused { code, .. } => refusal_words(lang, code.as_str()),
                _ => None,
            };
            let (status, message) = staff_page::error_words(lang, e)?;
            (status, error_note(Some(words.unwrap_or(&message))))
        }
    };
    let frame = Frame {
        lang,
        path: PATH,
        signed_in_as: Some(&name),
    };
    let body = html! { (note) (approvals_list(lang, &requests)) h2 { (lang.t("A new view", "重新查閱")) } (view_form(lang, &ehr)) };
    Ok(html_page(status, &frame, title(lang), body))
}

pub async fn submit(
    services: web::Data<Services>,
    req: HttpRequest,
    body: String,
) -> Result<HttpResponse, ApiError> {
    handle(services, req, body, view).await
}

pub async fn ask_approval(
    services: web::Data<Services>,
    req: HttpRequest,
    body: String,
) -> Result<HttpResponse, ApiError> {
    handle(services, req, body, ask).await
}
