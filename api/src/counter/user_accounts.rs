//! The user administrator's pages: the clinic's accounts, a new HCProf account, disabling
//! one (`enrol` makes the authenticator's QR code). Only a user administrator sees them;
//! an HCProf is refused in plain words. The same core actions as `/v1/hcp/accounts`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::accounts::{self, NewAccount, Staff};
use ehealth_core::context::Services;
use ehealth_core::db::accounts::Account;
use ehealth_core::domain::{AccountRole, AccountStatus, EmailAddress, Profession};
use ehealth_core::ids::AccountId;
use ehealth_core::{CoreError, CoreResult};
use maud::{html, Markup, Render};
use serde::Deserialize;

use super::layout::{form_id, page as html_page, valid_form_id};
use super::staff_page;
use super::submission::{self, Turn};
use super::{account_of, to_sign_in, token_of, Frame, Lang};
use crate::http::errors::{blocking, ApiError};
use crate::routes::hcp::create_account::parse_date;

pub(super) const PATH: &str = "/counter/accounts";

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewAccountForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub profession: String,
    #[serde(default)]
    pub registration_number: String,
    #[serde(default)]
    pub registration_expires_on: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub form_id: String,
}

/// An action on one account of the list (disable, enrol the authenticator).
#[derive(Debug, Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    pub account_id: String,
    #[serde(default)]
    pub form_id: String,
}

impl AccountForm {
    /// The account the form names (an empty or unknown id is not found).
    pub fn account(&self) -> AccountId {
        AccountId::new(self.account_id.clone())
    }
}

/// What an account page's action gives, with the clinic's accounts after it.
pub(super) struct AdminAnswer<T> {
    pub name: String,
    pub outcome: CoreResult<T>,
    pub accounts: Vec<Account>,
}

/// Runs `act` as the signed-in user administrator, then lists the clinic's accounts. An
/// answer instead: to sign in, or the refusal for an account that is not an administrator.
async fn as_admin<T: Send + 'static>(
    services: web::Data<Services>,
    req: &HttpRequest,
    act: impl FnOnce(&Services, &Staff) -> CoreResult<T> + Send + 'static,
) -> Result<Result<AdminAnswer<T>, HttpResponse>, ApiError> {
    let lang = Lang::of(req);
    let token = token_of(req);
    let had_cookie = token.is_some();
    let answer = blocking(move || {
        let Some(staff) = account_of(&services, token)? else {
            return Ok(Err(None));
        };
        if staff.role != AccountRole::UserAdmin {
            return Ok(Err(Some(staff.account.display_name)));
        }
        let outcome = act(&services, &staff);
        let mut conn = services.db.get()?;
        let accounts = accounts::list(&mut conn, &staff)?;
        let name = staff.account.display_name;
        Ok(Ok(AdminAnswer {
            name,
            outcome,
            accounts,
        }))
    })
    .await?;
    Ok(answer.map_err(|refused| match refused {
        None => to_sign_in(had_cookie),
        Some(name) => refusal(lang, &name),
    }))
}

fn refusal(lang: Lang, name: &str) -> HttpResponse {
    let frame = Frame {
        lang,
        path: "/counter/find",
        signed_in_as: Some(name),
    };
    html_page(
        StatusCode::FORBIDDEN,
        &frame,
        lang.t("User accounts", "用戶帳戶"),
        html! {
            p.error #error role="alert" {
                (lang.t("Only your clinic's user administrator can manage the accounts. Please ask them.",
                    "只有貴機構的用戶管理員可以管理帳戶，請向他們查詢。"))
            }
        },
    )
}

pub(super) fn profession_name(lang: Lang, p: Profession) -> &'static str {
    use Profession::*;
    match p {
        MedicalPractitioner => lang.t("Medical practitioner", "醫生"),
        Dentist => lang.t("Dentist", "牙醫"),
        Midwife => lang.t("Midwife", "助產士"),
        Nurse => lang.t("Nurse", "護士"),
        Pharmacist => lang.t("Pharmacist", "藥劑師"),
        MedicalLaboratoryTechnologist => lang.t("Medical laboratory technologist", "醫務化驗師"),
        OccupationalTherapist => lang.t("Occupational therapist", "職業治療師"),
        OptometristPartI => lang.t("Optometrist (Part I)", "視光師（第I部分）"),
        Radiographer => lang.t("Radiographer", "放射技師"),
        Physiotherapist => lang.t("Physiotherapist", "物理治療師"),
        DentalHygienist => lang.t("Dental hygienist", "牙齒衞生員"),
        Chiropractor => lang.t("Chiropractor", "脊醫"),
        ChineseMedicinePractitioner => lang.t("Chinese medicine practitioner", "中醫"),
    }
}

fn row_action(a: &Account, action: &str, id: &str, label: &str) -> Markup {
    html! {
        form.inline method="post" action=(format!("{PATH}/{action}")) id=(format!("{id}-{}", a.username)) {
            input type="hidden" name="account_id" value=(a.id);
            input type="hidden" name="form_id" value=(form_id());
            button type="submit" aria-label=(format!("{label} ({})", a.username)) { (label) }
        }
        " "
    }
}

fn account_rows(lang: Lang, accounts: &[Account]) -> Markup {
    html! {
        table #accounts {
            caption { (lang.t("Your clinic's accounts", "貴機構的帳戶")) }
            thead { tr {
                th scope="col" { (lang.t("Username", "用戶名稱")) }
                th scope="col" { (lang.t("Name", "姓名")) }
                th scope="col" { (lang.t("Profession", "專業")) }
                th scope="col" { (lang.t("State", "狀態")) }
                th scope="col" { (lang.t("Actions", "操作")) }
            } }
            tbody {
                @for a in accounts {
                    tr {
                        td { (a.username) }
                        td { (a.display_name) }
                        td { (a.profession.map(|p| profession_name(lang, p))
                            .unwrap_or(if a.role == AccountRole::UserAdmin { lang.t("User administrator", "用戶管理員") } else { "" })) }
                        td { (if a.status == AccountStatus::Active { lang.t("active", "使用中") } else { lang.t("disabled", "已停用") })
                            (if a.totp_enabled { lang.t(", authenticator enrolled", "，已登記驗證器") } else { lang.t(", no authenticator yet", "，未登記驗證器") }) }
                        td {
                            @if a.status == AccountStatus::Active && a.role == AccountRole::Hcprof {
                                (row_action(a, "totp", "enrol", lang.t("Enrol authenticator", "登記驗證器")))
                                (row_action(a, "disable", "disable", lang.t("Disable", "停用")))
                            }
                        }
                    }
                }
            }
        }
    }
}

fn new_account_form(lang: Lang, typed: &NewAccountForm) -> Markup {
    let text = |label: &str, id: &'static str, value: &str, autocomplete: &'static str| {
        html! {
            label for=(id) { (label) }
            input id=(id) name=(id) autocomplete=(autocomplete) value=(value);
        }
    };
    html! {
        h2 { (lang.t("New healthcare professional's account", "新增醫護專業人員帳戶")) }
        form method="post" action=(PATH) id="new-account" {
            input type="hidden" name="form_id" value=(form_id());
            (text(lang.t("Username (a-z, 0-9, dot, underscore, hyphen)", "用戶名稱（a-z、0-9、點、底線、連字號）"), "username", &typed.username, "off"))
            (text(lang.t("Name", "姓名"), "display_name", &typed.display_name, "off"))
            label for="new_password" { (lang.t("First password (12 characters or more)", "初始密碼（12個字元或以上）")) }
            input #new_password name="password" type="password" autocomplete="new-password";
            label for="profession" { (lang.t("Profession", "專業")) }
            select #profession name="profession" {
                @for &p in Profession::ALL.iter() {
                    option value=(p.as_str()) selected[typed.profession == p.as_str()] { (profession_name(lang, p)) }
                }
            }
            (text(lang.t("Professional registration number", "專業註冊編號"), "registration_number", &typed.registration_number, "off"))
            (text(lang.t("Last day of the registration (YYYY-MM-DD, optional)", "註冊的最後一天（年-月-日，選填）"), "registration_expires_on", &typed.registration_expires_on, "off"))
            (text(lang.t("Email (optional)", "電郵（選填）"), "email", &typed.email, "email"))
            button type="submit" { (lang.t("Create the account", "建立帳戶")) }
        }
    }
}

fn list_page(
    lang: Lang,
    answer_name: &str,
    status: StatusCode,
    note: impl Render,
    accounts: &[Account],
    typed: &NewAccountForm,
) -> HttpResponse {
    let frame = Frame {
        lang,
        path: PATH,
        signed_in_as: Some(answer_name),
    };
    let body = html! { (note) (account_rows(lang, accounts)) (new_account_form(lang, typed)) };
    html_page(status, &frame, lang.t("User accounts", "用戶帳戶"), body)
}

/// Answers a post of an account page: a cross-site post is refused; else `act` runs as
/// the signed-in user administrator, once per form (`once`), and `done` of what it gave
/// (`repeat` for a form sent again, or its error) is shown over the clinic's accounts and
/// the new-account form, as `keep` fills it for the status.
pub(super) async fn answer_post<T: Send + 'static>(
    services: web::Data<Services>,
    req: &HttpRequest,
    act: impl FnOnce(&Services, &Staff) -> CoreResult<Option<T>> + Send + 'static,
    done: impl FnOnce(&T) -> Markup,
    repeat: Markup,
    keep: impl FnOnce(StatusCode) -> NewAccountForm,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::of(req);
    if !super::same_origin(req) {
        return Ok(super::cross_site(lang));
    }
    let answer = match as_admin(services, req, act).await? {
        Ok(answer) => answer,
        Err(other) => return Ok(other),
    };
    let (status, note) = staff_page::outcome_note(lang, answer.outcome, |acted| match acted {
        Some(t) => done(t),
        None => repeat,
    })?;
    let typed = keep(status);
    Ok(list_page(
        lang,
        &answer.name,
        status,
        note,
        &answer.accounts,
        &typed,
    ))
}

pub async fn page(
    services: web::Data<Services>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::of(&req);
    let answer = match as_admin(services, &req, |_, _| Ok(())).await? {
        Ok(answer) => answer,
        Err(other) => return Ok(other),
    };
    Ok(list_page(
        lang,
        &answer.name,
        StatusCode::OK,
        html! {},
        &answer.accounts,
        &NewAccountForm::default(),
    ))
}

impl NewAccountForm {
    fn parse(&self) -> CoreResult<NewAccount> {
        let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(NewAccount {
            username: self.username.trim().to_owned(),
            display_name: self.display_name.trim().to_owned(),
            password: self.password.clone(),
            role: AccountRole::Hcprof,
            profession: Some(Profession::parse(&self.profession)?),
            registration_number: optional(&self.registration_number),
            registration_expires_on: optional(&self.registration_expires_on)
                .map(|d| parse_date("registration_expires_on", &d))
                .transpose()?,
            email: optional(&self.email)
                .map(|e| EmailAddress::parse(&e))
                .transpose()?,
        })
    }
}

/// Acts once per form id: `None` for a repeat of a form already sent.
pub(super) fn once<T>(
    services: &Services,
    staff: &Staff,
    form_id: &str,
    act: impl FnOnce(&mut ehealth_core::db::DbConn) -> CoreResult<T>,
) -> CoreResult<Option<T>> {
    let form_id =
        valid_form_id(form_id).ok_or_else(|| CoreError::invalid("form_id", "reload the page"))?;
    let mut conn = services.db.get()?;
    if submission::claim(&mut conn, form_id, &staff.account.id)? == Turn::Repeat {
        return Ok(None);
    }
    let outcome = act(&mut conn);
    submission::finish(&mut conn, form_id)?;
    outcome.map(Some)
}

fn repeat_note(lang: Lang) -> Markup {
    html! {
        p.ok #result role="status" { (lang.t("This form was already sent; it was acted on once.", "此表格已遞交，只會處理一次。")) }
    }
}

pub async fn create(
    services: web::Data<Services>,
    req: HttpRequest,
    body: web::Form<NewAccountForm>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::of(&req);
    let body = std::sync::Arc::new(body.into_inner());
    let typed = body.clone();
    let act = move |services: &Services, admin: &Staff| {
        let new = body.parse()?;
        once(services, admin, &body.form_id, |conn| {
            accounts::create(conn, &services.hasher, admin, None, &new, Utc::now())
        })
    };
    let done = |a: &Account| {
        html! {
            p.ok #result role="status" {
                (lang.t("Account created: ", "已建立帳戶：")) (a.username)
                (lang.t(". Now enrol its authenticator (the button in its row).", "。請按該行的按鈕登記其驗證器。"))
            }
        }
    };
    let keep = |status: StatusCode| {
        if status.is_success() {
            return NewAccountForm::default();
        }
        NewAccountForm {
            password: String::new(),
            form_id: String::new(),
            ..std::sync::Arc::unwrap_or_clone(typed)
        }
    };
    answer_post(services, &req, act, done, repeat_note(lang), keep).await
}

pub async fn disable(
    services: web::Data<Services>,
    req: HttpRequest,
    body: web::Form<AccountForm>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::of(&req);
    let body = body.into_inner();
    let act = move |services: &Services, admin: &Staff| {
        once(services, admin, &body.form_id, |conn| {
            accounts::disable(conn, admin, &body.account(), Utc::now())
        })
    };
    let done = |a: &Account| {
        html! {
            p.ok #result role="status" {
                (lang.t("Disabled: ", "已停用：")) (a.username)
                (lang.t(". Its sessions have ended.", "。其登入已即時終止。"))
            }
        }
    };
    let keep = |_| NewAccountForm::default();
    answer_post(services, &req, act, done, repeat_note(lang), keep).await
}
