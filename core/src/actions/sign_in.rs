//! Signing in to the app by SMS code: a patient by eHR number (or identity document) and
//! date of birth, an SDM by identity document and date of birth. The right code starts a
//! session (an opaque bearer token, stored as a digest). Passkeys: see `passkey_sign_in`
//! in the api, which ends in `start_session` too.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;

use super::active_patient;
use super::code_cover::{self, is_decoy};
use super::code_requests::{self, CodeRequest, RequestLimits};
use super::codes::{self, CodeCheck, CodePolicy, CodePurpose, CodeRecipient, CodeTry};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::sessions::{self, Session};
use crate::db::{from_db, one_time_codes, patients, sdm, write_tx, DbConn};
use crate::domain::{
    Actor, ActorKind, AuditAction, AuditOutcome, Language, PatientStatus, SessionSubject,
};
use crate::error::CoreResult;
use crate::ids::{EhrNumber, IdentityDocument, OneTimeCode, PatientId};
use crate::secret::SecretHasher;

pub const PATIENT: SessionSubject = SessionSubject::Patient;
pub const SDM: SessionSubject = SessionSubject::Sdm;

#[derive(Debug, Clone)]
pub enum SignInIdentifier {
    Ehr(EhrNumber),
    Document(IdentityDocument),
}

#[derive(Debug, Clone)]
pub struct OtpRequest {
    pub who: SignInIdentifier,
    /// The client's address, for the request limits.
    pub client: String,
    pub date_of_birth: NaiveDate,
    /// Sign in as a substitute decision maker (then `who` must be a document).
    pub as_sdm: bool,
}

#[derive(Debug, Clone)]
pub struct OtpChallenge {
    pub challenge_id: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: Session,
    pub token: String,
}

/// Someone who may sign in: kind, id, mobile, language.
struct Subject {
    purpose: CodePurpose,
    id: String,
    mobile: String,
    language: Language,
    patient_id: Option<PatientId>,
}

fn find_subject(conn: &mut DbConn, req: &OtpRequest) -> CoreResult<Option<Subject>> {
    if req.as_sdm {
        let SignInIdentifier::Document(doc) = &req.who else {
            return Ok(None);
        };
        let found = sdm::find_by_document(conn, &doc.key())?;
        return Ok(found
            .filter(|s| s.date_of_birth == req.date_of_birth)
            .map(|s| Subject {
                purpose: CodePurpose::SdmSignIn,
                language: s.language,
                id: s.id.into(),
                mobile: s.mobile,
                patient_id: None,
            }));
    }
    let found = match &req.who {
        SignInIdentifier::Ehr(n) => patients::find_by_ehr_number(conn, n.as_str())?,
        SignInIdentifier::Document(d) => patients::find_by_document(conn, &d.key())?,
    };
    let Some(p) = found else { return Ok(None) };
    if p.date_of_birth != req.date_of_birth || p.status != PatientStatus::Registered {
        return Ok(None);
    }
    Ok(Some(Subject {
        purpose: CodePurpose::PatientSignIn,
        language: p.language,
        id: p.id.to_string(),
        mobile: p.mobile,
        patient_id: Some(p.id),
    }))
}

impl SignInIdentifier {
    /// The identifier as typed, for counting requests against it.
    fn counted_as(&self) -> String {
        match self {
            Self::Ehr(n) => format!("ehr:{}", n.as_str()),
            Self::Document(d) => format!("doc:{}", d.key()),
        }
    }
}

/// Sends a sign-in code to the subject's mobile. The answer, its cost and its limits are
/// the same whether or not the particulars match (issue 11): every request is counted
/// first (per identifier, client, in all); unknown particulars, and a subject who may not
/// be sent a code now, get a challenge all the same (see `code_cover`).
pub fn start_otp(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    policy: &CodePolicy,
    limits: &RequestLimits,
    req: &OtpRequest,
    now: DateTime<Utc>,
) -> CoreResult<OtpChallenge> {
    let identifier = req.who.counted_as();
    let asking = CodeRequest {
        client: &req.client,
        identifier: Some(&identifier),
    };
    code_requests::admit(conn, hasher, limits, &asking, now)?;
    let sent = write_tx(conn, |conn| {
        let purpose = if req.as_sdm {
            CodePurpose::SdmSignIn
        } else {
            CodePurpose::PatientSignIn
        };
        let Some(subject) = find_subject(conn, req)? else {
            return code_cover::decoy(conn, hasher, policy.ttl, purpose, now);
        };
        let recipient = CodeRecipient {
            purpose: subject.purpose,
            subject_id: &subject.id,
            destination: &subject.mobile,
            patient_id: subject.patient_id.as_ref(),
            language: subject.language,
        };
        codes::send_or_cover(conn, hasher, policy, &recipient, now)
    })?;
    Ok(OtpChallenge {
        challenge_id: sent.id,
        expires_at: sent.expires_at,
    })
}

/// Checks the code of a challenge and starts a session. Wrong tries are committed, then
/// refused.
pub fn verify_otp(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    session_ttl: Duration,
    challenge_id: &str,
    typed: &OneTimeCode,
    now: DateTime<Utc>,
) -> CoreResult<SignedIn> {
    let outcome = write_tx(conn, |conn| {
        let Some(record) = one_time_codes::find(conn, challenge_id)? else {
            return Ok(Err(CodeCheck::Expired));
        };
        let (purpose, kind) = if record.purpose == CodePurpose::SdmSignIn {
            (CodePurpose::SdmSignIn, ActorKind::Sdm)
        } else {
            (CodePurpose::PatientSignIn, ActorKind::Patient)
        };
        let actor = Actor::new(kind, record.subject_id.clone());
        // A decoy names no one: its tries are audited without a patient.
        let patient_id = (kind == ActorKind::Patient && !is_decoy(&record.subject_id))
            .then(|| PatientId::new(record.subject_id.as_str()));
        let attempt = CodeTry {
            purpose,
            typed,
            actor: &actor,
            patient_id: patient_id.as_ref(),
        };
        match codes::check(conn, hasher, &record, &attempt, now)? {
            CodeCheck::Accepted(r) => {
                // Withdrawn since the code was sent: the right code no longer signs in.
                if kind == ActorKind::Patient {
                    active_patient(conn, &PatientId::new(r.subject_id.as_str()))?;
                }
                Ok(Ok(start_session(
                    conn,
                    &actor,
                    &r.subject_id,
                    "otp",
                    session_ttl,
                    now,
                )?))
            }
            other => Ok(Err(other)),
        }
    })?;
    outcome.map_err(CodeCheck::refusal)
}

/// Starts a session for a signed-in patient or SDM and audits it, in the caller's
/// transaction.
pub fn start_session(
    conn: &mut DbConn,
    actor: &Actor,
    subject_id: &str,
    method: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> CoreResult<SignedIn> {
    let kind = if actor.kind == ActorKind::Sdm {
        SDM
    } else {
        PATIENT
    };
    let (session, token) = sessions::start(conn, kind, subject_id, ttl, now)?;
    let mut entry = NewAuditEntry::new(AuditAction::SignIn, actor.clone(), AuditOutcome::Succeeded)
        .details(json!({ "method": method, "session_id": session.id, "expires_at": from_db(session.expires_at).to_rfc3339() }));
    if kind == PATIENT {
        entry = entry.patient(&PatientId::new(subject_id));
    }
    audit::append(conn, &entry, now)?;
    Ok(SignedIn { session, token })
}

/// Ends a session (sign-out) and audits it.
pub fn sign_out(conn: &mut DbConn, session: &Session, now: DateTime<Utc>) -> CoreResult<()> {
    write_tx(conn, |conn| {
        sessions::revoke(conn, &session.id, now)?;
        let kind = if session.subject_kind == SDM {
            ActorKind::Sdm
        } else {
            ActorKind::Patient
        };
        let mut entry = NewAuditEntry::new(
            AuditAction::SignOut,
            Actor::new(kind, session.subject_id.clone()),
            AuditOutcome::Succeeded,
        )
        .details(json!({ "session_id": session.id }));
        if kind == ActorKind::Patient {
            entry = entry.patient(&PatientId::new(session.subject_id.as_str()));
        }
        audit::append(conn, &entry, now)?;
        Ok(())
    })
}
