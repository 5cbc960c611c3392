//! An SDM applies in the app for a patient (issue 14): the patient's particulars, the
//! SDM's own particulars, the relationship and the documents that prove it. The code goes
//! to the SDM's own mobile; once it is confirmed the application waits for verification at
//! a counter or the Office (`sdm_links::complete`), like any application.
//!
//! The answer is the same whether or not the patient (or the SDM) is registered already:
//! what is known is found out by the counter, with the documents in hand.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use super::application::{already_open, new_application, send_code};
use super::code_requests::{self, CodeRequest, RequestLimits};
use super::codes::{CodePolicy, CodeSent};
use super::registration::Particulars;
use crate::db::applications::{self, Application};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::sdm::{self, SdmApplication};
use crate::db::{to_db, write_tx, DbConn};
use crate::domain::{
    Actor, ActorKind, AuditAction, AuditOutcome, EmailAddress, Language, MobileNumber, PersonName,
};
use crate::error::{CoreError, CoreResult};
use crate::hong_kong_time::hong_kong_date;
use crate::ids::IdentityDocument;
use crate::rules::sdm::{self as rule, DocumentReference, AGE_OF_MAJORITY};
use crate::secret::SecretHasher;

/// An SDM must be an adult themselves.
pub const SDM_MIN_AGE: u32 = 18;

/// The SDM's own particulars.
#[derive(Debug, Clone)]
pub struct SdmParticulars {
    pub document: IdentityDocument,
    pub name_en: PersonName,
    pub name_zh: Option<PersonName>,
    pub date_of_birth: NaiveDate,
    pub mobile: MobileNumber,
    pub email: Option<EmailAddress>,
    pub language: Language,
}

#[derive(Debug, Clone)]
pub struct SdmApplicationRequest {
    pub patient: Particulars,
    pub sdm: SdmParticulars,
    pub relationship: String,
    pub documents: Vec<DocumentReference>,
}

/// The key of an SDM application: one open application per (SDM, patient), so that two
/// parents may apply for one child at once, and the patient's own applications are apart.
pub fn application_key(sdm_doc_key: &str, patient_doc_key: &str) -> String {
    format!("sdm:{sdm_doc_key}:{patient_doc_key}")
}

pub fn documents_json(documents: &[DocumentReference]) -> String {
    serde_json::Value::from(
        documents
            .iter()
            .map(|d| json!({ "type": d.document.as_str(), "reference": d.reference }))
            .collect::<Vec<_>>(),
    )
    .to_string()
}

impl SdmApplicationRequest {
    /// The rule of who may act for whom, and the SDM's own age; returns the basis.
    pub fn validate(&self, today: NaiveDate) -> CoreResult<rule::Basis> {
        self.patient.validate(today)?;
        if self.sdm.date_of_birth > today
            || rule::age_on(self.sdm.date_of_birth, today) < SDM_MIN_AGE
        {
            return Err(CoreError::invalid(
                "sdm.date_of_birth",
                "a substitute decision maker must be 18 or over",
            ));
        }
        if self.sdm.document.key() == self.patient.document.key() {
            return Err(CoreError::invalid(
                "sdm.id_document",
                "a substitute decision maker acts for someone else",
            ));
        }
        let row = rule::check(
            &self.relationship,
            self.patient.date_of_birth,
            today,
            AGE_OF_MAJORITY,
            &self.documents,
        )?;
        Ok(row.basis)
    }

    fn row(&self, application_id: &str, basis: rule::Basis, now: DateTime<Utc>) -> SdmApplication {
        SdmApplication {
            application_id: application_id.to_owned(),
            sdm_doc_key: self.sdm.document.key(),
            sdm_name_en: self.sdm.name_en.to_string(),
            sdm_name_zh: self.sdm.name_zh.as_ref().map(PersonName::to_string),
            sdm_date_of_birth: self.sdm.date_of_birth,
            sdm_mobile: self.sdm.mobile.to_string(),
            sdm_email: self.sdm.email.as_ref().map(EmailAddress::to_string),
            sdm_language: self.sdm.language,
            basis,
            relationship: self.relationship.clone(),
            documents: documents_json(&self.documents),
            created_at: to_db(now),
        }
    }
}

/// Records the SDM's application and sends the code to the SDM's mobile, in one
/// transaction. Counted first (per SDM document, client, in all), as a patient's.
pub fn apply(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    policy: &CodePolicy,
    limits: &RequestLimits,
    client: &str,
    req: &SdmApplicationRequest,
    now: DateTime<Utc>,
) -> CoreResult<(Application, CodeSent)> {
    let basis = req.validate(hong_kong_date(now))?;
    policy.check_mobile(&req.sdm.mobile)?;
    let identifier = format!("sdm-doc:{}", req.sdm.document.key());
    let asking = CodeRequest {
        client,
        identifier: Some(&identifier),
    };
    code_requests::admit(conn, hasher, limits, &asking, now)?;
    let key = application_key(&req.sdm.document.key(), &req.patient.document.key());
    write_tx(conn, |conn| {
        if applications::open_for_document(conn, &key)?.is_some() {
            return Err(already_open());
        }
        let mut app = new_application(&req.patient, now);
        app.id_doc_key = key.clone();
        applications::insert(conn, &app).map_err(|e| match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => already_open(),
            other => other.into(),
        })?;
        sdm::insert_application(conn, &req.row(&app.id, basis, now))?;
        let sent = send_code(conn, hasher, policy, &app, now)?;
        let entry = NewAuditEntry::new(
            AuditAction::SdmApplied,
            Actor::new(ActorKind::Sdm, format!("application:{}", app.id)),
            AuditOutcome::Succeeded,
        )
        .details(json!({
            "application_id": app.id,
            "relationship": req.relationship,
            "basis": basis.as_str(),
        }));
        audit::append(conn, &entry, now)?;
        Ok((app, sent))
    })
}
