//! A user administrator enrols (or re-enrols) the authenticator of an HCProf account of
//! the clinic: the QR code on screen (SVG, as `POST /v1/hcp/accounts/{id}/totp` makes) and
//! the secret as text, for typing into an authenticator app without a camera. Shown once;
//! the page is not stored (no-store), and a repeat of the form does not make a new secret.

use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::Utc;
use ehealth_core::actions::accounts;
use ehealth_core::context::Services;
use ehealth_core::db::accounts::Account;
use ehealth_core::{CoreError, CoreResult};
use maud::{html, Markup};

use super::user_accounts::{answer_post, once, AccountForm, NewAccountForm};
use super::Lang;
use crate::http::errors::ApiError;

/// A new enrolment, as the professional's authenticator app takes it.
pub(super) struct Enrolment {
    pub account: Account,
    pub secret: String,
    pub qr_svg: String,
}

fn enrol(
    services: &Services,
    admin: &accounts::Staff,
    body: &AccountForm,
) -> CoreResult<Option<Enrolment>> {
    let secret = mobile_bridge::totp::new_secret();
    let enrolled = once(services, admin, &body.form_id, |conn| {
        accounts::enrol_totp(
            conn,
            services.hasher.sealer(),
            admin,
            &body.account(),
            &secret,
            Utc::now(),
        )
    })?;
    let Some(account) = enrolled else {
        return Ok(None);
    };
    let label = format!(
        "{}/{}",
        account.provider_id.as_deref().unwrap_or("office"),
        account.username
    );
    let uri = mobile_bridge::totp::otpauth_uri(&secret, &label)
        .map_err(|e| CoreError::Internal(e.to_string()))?;
    let qr_svg = mobile_bridge::qr::svg(&uri).map_err(|e| CoreError::Internal(e.to_string()))?;
    Ok(Some(Enrolment {
        account,
        secret,
        qr_svg,
    }))
}

fn enrolment_note(lang: Lang, e: &Enrolment) -> Markup {
    let src = format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&e.qr_svg)
    );
    html! {
        section #enrolment aria-labelledby="enrolment-title" {
            h2 #enrolment-title { (lang.t("Authenticator for ", "驗證器：")) (e.account.username) }
            p.ok #result role="status" {
                (lang.t("Ask the professional to scan this QR code with their authenticator app now. It is shown only once; codes from an earlier enrolment no longer work.",
                    "請專業人員現在以驗證器應用程式掃描此二維碼。此碼只會顯示一次；之前登記的驗證碼已失效。"))
            }
            img #qr src=(src) width="240" height="240" alt=(format!("{}{}", lang.t("QR code for the authenticator of ", "驗證器二維碼："), e.account.username));
            p {
                (lang.t("Without a camera, type this secret into the app (time-based, 6 digits, 30 seconds): ",
                    "如無法掃描，請在應用程式輸入此密鑰（以時間為基礎，6位數字，30秒）："))
                code #totp-secret { (e.secret) }
            }
        }
    }
}

pub async fn submit(
    services: web::Data<Services>,
    req: HttpRequest,
    body: web::Form<AccountForm>,
) -> Result<HttpResponse, ApiError> {
    let act = move |services: &Services, admin: &accounts::Staff| enrol(services, admin, &body);
    let lang = Lang::of(&req);
    let repeat = html! {
        p.ok #result role="status" {
            (lang.t("This form was already sent; the authenticator was enrolled once, with the QR code shown then. To make a new one, press the button again.",
                "此表格已遞交，驗證器只會登記一次（二維碼已於當時顯示）。如需新的，請再按按鈕。"))
        }
    };
    let done = |e: &Enrolment| enrolment_note(lang, e);
    answer_post(services, &req, act, done, repeat, |_| {
        NewAccountForm::default()
    })
    .await
}
