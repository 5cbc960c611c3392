//! The journey's people and what they do over HTTP: the applicant in the app, the Office
//! registering providers, each provider's user administrator and HCProf, and the patient
//! on the voice line.

use ehealth_core::actions::demo::{DEMO_PASSWORD, DEMO_TOTP_SECRET};
use reqwest::Method;
use serde_json::{json, Value};

use super::platform::Platform;
use super::received;
use crate::app::helpers as app;
use crate::hcp::helpers::{self as hcp, PASSWORD};
use crate::ivr::call::{Call, CALLER};
use crate::support::{json, TestApp};

pub const HKIC: &str = "C123456(9)";
pub const MOBILE: &str = "+85261234567";
pub const EMAIL: &str = "wong.journey@example.com";
pub const ADDRESS: &str = "Flat B, 12/F, 8 Hiram's Highway, Sai Kung";
pub const BIRTH_DATE: &str = "1990-02-28";
/// The same date as the voice line asks for it (day, month, year).
pub const BIRTH_DATE_KEYED: &str = "28021990";

/// A provider and the HCProf who will view the record there.
pub struct Provider {
    pub id: String,
    pub name_en: String,
    pub doctor_id: String,
    pub doctor: String,
}

/// The applicant applies in the app, reads the code from the SMS and verifies the
/// mobile; returns the application id.
pub async fn apply(p: &Platform) -> String {
    let body = json!({
        "id_document": { "type": "hkic", "number": HKIC },
        "name_en": "WONG, Siu Ming", "name_zh": "黃小明",
        "date_of_birth": BIRTH_DATE, "sex": "M",
        "mobile": MOBILE, "email": EMAIL, "postal_address": ADDRESS,
        "language": "en",
        "notification_means": ["sms", "email", "post"],
    });
    let r = app::post(&p.app, "/v1/app/applications", &body, None).await;
    assert_eq!(r.status(), 201);
    let id = json(r).await["id"].as_str().expect("id").to_owned();
    let sms = received::nth_sms(&p.stand_ins.twilio, MOBILE, "verification code", 1).await;
    let code = received::the_number(&sms.text, 6);
    let path = format!("/v1/app/applications/{id}/verify-mobile");
    let r = app::post(&p.app, &path, &json!({ "code": code }), None).await;
    assert_eq!(r.status(), 200, "{}", json(r).await);
    id
}

/// Signs in to the app by SMS code (the `n`th code sent to the mobile); returns the
/// bearer token.
pub async fn sign_in(p: &Platform, ehr: &str, n: usize) -> String {
    let body = json!({ "ehr_number": ehr, "date_of_birth": BIRTH_DATE });
    let r = app::post(&p.app, "/v1/app/sessions/otp", &body, None).await;
    assert_eq!(r.status(), 202);
    let challenge = json(r).await["challenge_id"]
        .as_str()
        .expect("challenge")
        .to_owned();
    let sms = received::nth_sms(&p.stand_ins.twilio, MOBILE, "verification code", n).await;
    let code = received::the_number(&sms.text, 6);
    let body = json!({ "challenge_id": challenge, "code": code });
    let r = app::post(&p.app, "/v1/app/sessions/otp/verify", &body, None).await;
    assert_eq!(r.status(), 201);
    json(r).await["token"].as_str().expect("token").to_owned()
}

/// A call to the patient's app API, answering (status, JSON).
pub async fn in_app(
    p: &Platform,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let r = app::send(&p.app, method, path, Some(token), body.as_ref()).await;
    let status = r.status().as_u16();
    (status, json(r).await)
}

/// The demo clinic, whose HCProf `drchan` is signed in.
pub async fn demo_clinic(app: &TestApp, banner: &str) -> Provider {
    let id = hcp::clinic();
    let name_en = banner
        .lines()
        .find_map(|l| l.trim().strip_prefix(id.as_str()))
        .map(|rest| rest.trim().to_owned())
        .unwrap_or_else(|| panic!("clinic {id} in the demo banner:\n{banner}"));
    let (doctor, doctor_id) =
        staff_sign_in(app, &id, "drchan", DEMO_PASSWORD, DEMO_TOTP_SECRET).await;
    Provider {
        id,
        name_en,
        doctor_id,
        doctor,
    }
}

/// The Office registers a clinic and its first user administrator (TOTP enrolled by the
/// Office); the UA creates an HCProf and enrols them; the HCProf signs in.
pub async fn new_provider(app: &TestApp, office: &str, name_en: &str, name_zh: &str) -> Provider {
    let (status, provider) = hcp::post(
        app,
        "/v1/admin/providers",
        Some(office),
        json!({ "name_en": name_en, "name_zh": name_zh, "establishment_type": "medical_clinic" }),
    )
    .await;
    assert_eq!(status, 201, "{provider}");
    let id = provider["id"].as_str().expect("provider id").to_owned();
    let ua = json!({ "username": "ua.first", "display_name": "First UA", "password": PASSWORD,
                     "role": "user_admin" });
    let accounts = format!("/v1/admin/providers/{id}/accounts");
    let (ua_id, secret) = account(app, office, &accounts, "/v1/admin/accounts", ua).await;
    let admin = hcp::sign_in(app, Some(&id), "ua.first", PASSWORD, &secret).await;
    let doctor = json!({ "username": "dr.wong", "display_name": format!("Dr of {name_en}"),
        "password": PASSWORD, "profession": "medical_practitioner",
        "registration_number": "M12345" });
    let (doctor_id, secret) =
        account(app, &admin, "/v1/hcp/accounts", "/v1/hcp/accounts", doctor).await;
    assert_ne!(doctor_id, ua_id);
    let (doctor, signed_in_as) = staff_sign_in(app, &id, "dr.wong", PASSWORD, &secret).await;
    assert_eq!(signed_in_as, doctor_id);
    Provider {
        id,
        name_en: name_en.to_owned(),
        doctor_id,
        doctor,
    }
}

/// Signs in at a provider with the current TOTP code: (token, account id).
async fn staff_sign_in(
    app: &TestApp,
    hcp_id: &str,
    user: &str,
    password: &str,
    secret: &str,
) -> (String, String) {
    let code = hcp::code(secret, 0);
    let (status, body) = hcp::sign_in_raw(app, Some(hcp_id), user, password, &code).await;
    assert_eq!(status, 201, "sign in {user}: {body}");
    let token = body["token"].as_str().expect("token").to_owned();
    let id = body["account"]["id"]
        .as_str()
        .expect("account id")
        .to_owned();
    (token, id)
}

/// Creates an account and enrols its TOTP: (account id, TOTP secret).
async fn account(
    app: &TestApp,
    token: &str,
    create: &str,
    enrol_under: &str,
    body: Value,
) -> (String, String) {
    let (status, account) = hcp::post(app, create, Some(token), body).await;
    assert_eq!(status, 201, "{account}");
    let id = account["id"].as_str().expect("account id").to_owned();
    let path = format!("{enrol_under}/{id}/totp");
    let (status, enrol) = hcp::post(app, &path, Some(token), json!({})).await;
    assert_eq!(status, 200, "{enrol}");
    let secret = enrol["secret"].as_str().expect("secret").to_owned();
    (id, secret)
}

/// A voice call: choose English, identify by eHR number, date of birth and access key.
pub async fn call_and_identify<'a>(app: &'a TestApp, ehr: &str, key: &str) -> Call<'a> {
    let mut call = Call::dial(app, CALLER).await;
    call.press("2").await;
    call.press_as(ehr, "<eHR number>").await;
    call.press(BIRTH_DATE_KEYED).await;
    call.press_as(key, "<access key>").await;
    assert!(call.said().contains("To give or renew"), "{}", call.said());
    call
}

/// Gives indefinite sharing consent to `provider` by phone.
pub async fn consent_by_phone(app: &TestApp, ehr: &str, key: &str, provider: &Provider) {
    let mut call = call_and_identify(app, ehr, key).await;
    call.press("1").await;
    call.press(&provider.id).await;
    assert!(call.said().contains(&provider.name_en), "{}", call.said());
    call.press("2").await;
    call.press("1").await;
    assert!(
        call.said().contains("Your sharing consent is recorded"),
        "{}",
        call.transcript
    );
    call.press("9").await;
    assert!(call.hung_up());
}

/// Revokes the sharing consent for `provider` by phone.
pub async fn revoke_by_phone(app: &TestApp, ehr: &str, key: &str, provider: &Provider) {
    let mut call = call_and_identify(app, ehr, key).await;
    call.press("2").await;
    call.press(&provider.id).await;
    assert!(
        call.said().contains(&format!(
            "revoking your sharing consent for {}",
            provider.name_en
        )),
        "{}",
        call.said()
    );
    call.press("1").await;
    assert!(
        call.said().contains("Your sharing consent is revoked"),
        "{}",
        call.transcript
    );
    call.press("9").await;
    assert!(call.hung_up());
}
