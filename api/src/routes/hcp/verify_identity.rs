//! `POST /v1/hcp/identity-verifications`: complete a pending application (`application_id`
//! with the document read or checked) or register a walk-in patient (`particulars`),
//! optionally with sharing consent for this provider. The answer carries the eHR number
//! and the first access key, shown once (the patient is also sent them).

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::consent_history::with_provider;
use ehealth_core::actions::counter_registration::{
    self, IdentityVerification, Subject, Verification,
};
use ehealth_core::actions::registration::{Particulars, ParticularsText};
use ehealth_core::context::Services;
use ehealth_core::domain::{AccountRole, ConsentType};
use ehealth_core::{CoreError, CoreResult};
use serde::Deserialize;
use serde_json::{json, Value};

use super::staff::{AccountSession, IdDocumentBody};
use crate::http::errors::{blocking, ApiError};
use crate::routes::consent_item::ConsentItem;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticularsBody {
    pub id_document: IdDocumentBody,
    pub name_en: String,
    pub name_zh: Option<String>,
    pub date_of_birth: String,
    pub sex: String,
    pub mobile: String,
    pub email: Option<String>,
    pub postal_address: Option<String>,
    pub language: String,
    pub notification_means: Vec<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    #[serde(rename = "type")]
    pub consent_type: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerificationBody {
    pub application_id: Option<String>,
    pub id_document: Option<IdDocumentBody>,
    pub particulars: Option<ParticularsBody>,
    pub verified_by: String,
    pub contact_confirmed: bool,
    pub consent: Option<ConsentBody>,
}

/// Parsed as the app's application is: the same types, the same limits.
fn particulars(p: &ParticularsBody) -> CoreResult<Particulars> {
    let text = ParticularsText {
        name_en: &p.name_en,
        name_zh: p.name_zh.as_deref(),
        date_of_birth: &p.date_of_birth,
        sex: &p.sex,
        mobile: &p.mobile,
        email: p.email.as_deref(),
        postal_address: p.postal_address.as_deref(),
        language: &p.language,
        notification_means: &p.notification_means,
    };
    let document = p.id_document.parse().map_err(under_particulars)?;
    Particulars::parse(document, &text).map_err(under_particulars)
}

/// A walk-in's particulars sit under `particulars` in the body: its errors name the field
/// by its path there, as the text check names every nested field.
fn under_particulars(e: CoreError) -> CoreError {
    let CoreError::InvalidInput { field, reason } = e else {
        return e;
    };
    let path = match field {
        "name_en" => "particulars.name_en",
        "name_zh" => "particulars.name_zh",
        "date_of_birth" => "particulars.date_of_birth",
        "sex" => "particulars.sex",
        "mobile" => "particulars.mobile",
        "email" => "particulars.email",
        "postal_address" => "particulars.postal_address",
        "language" => "particulars.language",
        "notification_means" => "particulars.notification_means",
        "id_document.type" => "particulars.id_document.type",
        "id_document.number" => "particulars.id_document.number",
        "id_document.place" => "particulars.id_document.place",
        other => other,
    };
    CoreError::invalid(path, reason)
}

fn request(body: &VerificationBody) -> CoreResult<IdentityVerification> {
    let subject =
        match (&body.application_id, &body.id_document, &body.particulars) {
            (Some(id), Some(doc), None) => Subject::Application {
                id: id.clone(),
                document: doc.parse()?,
            },
            (None, None, Some(p)) => Subject::WalkIn(Box::new(particulars(p)?)),
            _ => return Err(CoreError::invalid(
                "application_id",
                "give application_id with id_document (an application), or particulars (a walk-in)",
            )),
        };
    Ok(IdentityVerification {
        subject,
        verified_by: Verification::parse(&body.verified_by)?,
        contact_confirmed: body.contact_confirmed,
        consent: body
            .consent
            .as_ref()
            .map(|c| ConsentType::parse(&c.consent_type))
            .transpose()?,
    })
}

#[utoipa::path(post, path = "/v1/hcp/identity-verifications", tag = "hcp", security(("bearer" = [])), request_body = VerificationBody, responses((status = 201, description = "done", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody), (status = 404, body = crate::routes::app::input::ErrorBody), (status = 409, body = crate::routes::app::input::ErrorBody)))]
pub async fn handle(
    services: web::Data<Services>,
    session: AccountSession,
    body: web::Json<VerificationBody>,
) -> Result<HttpResponse, ApiError> {
    let req = request(&body)?;
    let (done, consent) = blocking(move || {
        let mut conn = services.db.get()?;
        let staff = session.authorise(&mut conn, AccountRole::Hcprof)?;
        let done = counter_registration::verify_identity(
            &mut conn,
            &services.hasher,
            &staff,
            &req,
            Utc::now(),
        )?;
        let consent = match &done.consent {
            None => Value::Null,
            Some(Ok(c)) => json!(ConsentItem::of(
                &with_provider(&mut conn, c.clone())?,
                Utc::now()
            )),
            Some(Err(e)) => json!({ "error": { "code": e.code(), "message": e.public_message() } }),
        };
        Ok((done, consent))
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({
            "patient_id": done.registered.patient.id,
            "ehr_number": done.registered.patient.ehr_number,
            "access_key": done.registered.access_key.expose(),
            "consent": consent,
        })))
}
