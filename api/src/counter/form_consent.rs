//! Sharing consent from a signed consent form or a smart HKIC read, for a registered
//! patient (the form under a found patient). The professional names the identity document
//! they checked, or posts the card's read; for a form, the scanned form's document number
//! and SHA-256. The same core action and checks as `POST /v1/hcp/consents/form`.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::accounts::Staff;
use ehealth_core::actions::counter_consent::PatientRef;
use ehealth_core::actions::form_consent::{self, FormConsentRequest, ScannedForm};
use ehealth_core::context::Services;
use ehealth_core::domain::{ConsentChannel, ConsentType};
use ehealth_core::ids::{EhrNumber, IdentityDocument};
use ehealth_core::{CoreError, CoreResult};
use maud::{html, Markup};
use serde::Deserialize;

use super::consent_post::{self, ConsentDone, ConsentPage};
use super::layout::form_id;
use super::register::card;
use super::Lang;
use crate::http::errors::ApiError;

const PATH: &str = "/counter/consent/form";

#[derive(Debug, Default, Deserialize)]
pub struct SignedForm {
    #[serde(default)]
    pub ehr_number: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub card_data: String,
    #[serde(default)]
    pub doc_type: String,
    #[serde(default)]
    pub doc_number: String,
    #[serde(default)]
    pub doc_place: String,
    #[serde(default)]
    pub form_number: String,
    #[serde(default)]
    pub form_sha256: String,
    #[serde(default, rename = "type")]
    pub consent_type: String,
    #[serde(default)]
    pub form_id: String,
}

/// The form under a found patient: by signed form or by the smart HKIC.
pub fn form(lang: Lang, ehr: &str) -> Markup {
    let field = |label: &str, id: &'static str, name: &'static str| {
        html! {
            label for=(id) { (label) }
            input id=(id) name=(name) autocomplete="off";
        }
    };
    html! {
        form method="post" action=(PATH) id="signed-consent" {
            input type="hidden" name="form_id" value=(form_id());
            input type="hidden" name="ehr_number" value=(ehr);
            label for="channel" { (lang.t("How the patient gives consent", "病人給予同意的方式")) }
            select #channel name="channel" {
                option value="form" { (lang.t("A signed consent form", "已簽署的同意表格")) }
                option value="smart_hkic" { (lang.t("The smart HKIC, read at the counter", "在櫃檯讀取智能身份證")) }
            }
            label for="signed_card_data" { (lang.t("Smart HKIC read (the reader's data; for the smart HKIC)", "智能身份證讀取資料（以智能身份證給予同意時）")) }
            textarea #signed_card_data name="card_data" rows="3" autocomplete="off" {}
            fieldset {
                legend { (lang.t("For a signed form: the identity document you checked, and the scanned form", "以表格給予同意時：你核對的身份證明文件及表格掃描本")) }
                label for="signed_doc_type" { (lang.t("Document type", "文件類別")) }
                select #signed_doc_type name="doc_type" {
                    option value="hkic" { (lang.t("Hong Kong Identity Card (HKIC)", "香港身份證")) }
                    option value="passport" { (lang.t("Passport", "護照")) }
                    option value="birth_certificate" { (lang.t("Birth certificate", "出生證明書")) }
                    option value="exit_entry_permit" { (lang.t("Exit-entry permit", "出入境證件")) }
                }
                (field(lang.t("Document number", "文件號碼"), "signed_doc_number", "doc_number"))
                (field(lang.t("Place of issue (documents other than HKIC)", "簽發地（香港身份證以外的文件）"), "signed_doc_place", "doc_place"))
                (field(lang.t("The scanned form's document number in your records", "表格掃描本在貴機構紀錄中的文件編號"), "form_number", "form_number"))
                (field(lang.t("The scanned form's SHA-256 (64 hexadecimal characters, from your scanner)", "表格掃描本的 SHA-256（64個十六進位字元，由掃描系統提供）"), "form_sha256", "form_sha256"))
            }
            label for="signed_type" { (lang.t("Type", "類別")) }
            select #signed_type name="type" {
                option value="one_year" { (lang.consent_type("one_year")) }
                option value="indefinite" { (lang.consent_type("indefinite")) }
            }
            button type="submit" { (lang.t("Record consent", "記錄互通同意")) }
        }
    }
}

impl SignedForm {
    fn document(&self, channel: ConsentChannel) -> CoreResult<IdentityDocument> {
        if channel == ConsentChannel::SmartHkic {
            let read = card(&self.card_data)?
                .ok_or_else(|| CoreError::invalid("card_data", "read the smart HKIC"))?;
            return IdentityDocument::parse("hkic", &read.hkic, None);
        }
        let place = Some(self.doc_place.trim()).filter(|p| !p.is_empty());
        IdentityDocument::parse(&self.doc_type, &self.doc_number, place)
            .map_err(|_| CoreError::invalid("id_document", "the document checked"))
    }

    fn request(&self) -> CoreResult<FormConsentRequest> {
        let channel = match self.channel.as_str() {
            "form" => ConsentChannel::Form,
            "smart_hkic" => ConsentChannel::SmartHkic,
            _ => return Err(CoreError::invalid("channel", "form or smart_hkic")),
        };
        let form = (channel == ConsentChannel::Form)
            .then(|| ScannedForm::parse(&self.form_number, self.form_sha256.trim()))
            .transpose()?;
        Ok(FormConsentRequest {
            ehr_number: Some(EhrNumber::parse(&self.ehr_number)?),
            document: self.document(channel)?,
            form,
            channel,
            consent_type: ConsentType::parse(&self.consent_type)?,
        })
    }
}

fn act(services: &Services, staff: &Staff, body: &SignedForm) -> CoreResult<ConsentDone> {
    let form_id = consent_post::form_id_of(&body.form_id)?;
    let request = body.request()?;
    let ehr = request
        .ehr_number
        .clone()
        .ok_or(CoreError::NotFound("patient"))?;
    consent_post::once(services, staff, form_id, &PatientRef::Ehr(ehr), |conn| {
        form_consent::record(conn, staff, &request, Utc::now())
    })
}

/// Answered under the find page, where the form is shown.
const PAGE: ConsentPage = ConsentPage {
    path: "/counter/find",
    title: |lang| {
        lang.t(
            "Sharing consent by signed form or smart HKIC",
            "以表格或智能身份證給予互通同意",
        )
    },
    done: |lang| lang.t("Recorded.", "已記錄。"),
    also_told: |lang| {
        lang.t(
            ", with how to revoke it if it was not them",
            "，並獲告知如非本人同意應如何撤銷",
        )
    },
    form,
};

pub async fn submit(
    services: web::Data<Services>,
    req: HttpRequest,
    body: web::Form<SignedForm>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    PAGE.answer(services, &req, body.ehr_number.clone(), body, act)
        .await
}
