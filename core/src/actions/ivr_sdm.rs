//! The voice line for a substitute decision maker (issue 14): the SDM says who they are
//! with their own particulars (the six digits of their HKIC and their date of birth), keys
//! the eHR number of the patient they act for, and proves it with a one-time code sent to
//! their own mobile, as the app signs them in. Only an active link (not ended, not
//! suspended) to a registered patient identifies them; every refusal is a `Mismatch`,
//! counted against the caller's number, the identifier keyed and the whole line, exactly
//! like a patient's wrong identity.

use chrono::{DateTime, Utc};

use super::code_cover;
use super::codes::{self, CodeCheck, CodePolicy, CodePurpose, CodeRecipient, CodeTry};
use super::ivr::{audit_try, Claim, ClaimedId, Identification, LineChecks};
use super::ivr_throttle::{count_wrong_identity, throttled};
use crate::db::patients::{self, Patient};
use crate::db::sdm::{self, SubstituteDecisionMaker};
use crate::db::{one_time_codes, write_tx, DbConn};
use crate::domain::{Actor, ActorKind, AuditOutcome, PatientStatus};
use crate::error::CoreResult;
use crate::ids::{EhrNumber, OneTimeCode, SdmId};
use crate::secret::SecretHasher;

/// An SDM identified on the line, and the patient they act for.
#[derive(Debug, Clone, PartialEq)]
pub struct SdmCaller {
    pub sdm_id: SdmId,
    pub patient: Box<Patient>,
}

/// What proves an SDM's claim: the challenge of the code sent, the patient's eHR number
/// keyed and the code keyed.
#[derive(Debug, Clone)]
pub struct SdmProof<'a> {
    pub challenge_id: &'a str,
    pub ehr_number: &'a EhrNumber,
    pub code: &'a OneTimeCode,
}

/// What `identify` found.
#[derive(Debug, Clone, PartialEq)]
pub enum SdmIdentification {
    Identified(SdmCaller),
    /// Any other answer, with the same meaning as for a patient.
    Refused(Identification),
}

/// The SDM whose HKIC has these six digits and this date of birth (exactly one).
fn claimed_sdm(
    conn: &mut DbConn,
    claim: &Claim<'_>,
) -> CoreResult<Option<SubstituteDecisionMaker>> {
    use crate::db::schema::substitute_decision_makers as s;
    use diesel::prelude::*;
    let ClaimedId::HkicDigits(digits) = claim.id else {
        return Ok(None);
    };
    let candidates: Vec<SubstituteDecisionMaker> = s::table
        .filter(s::id_doc_key.like(format!("hkic:%{digits}_")))
        .filter(s::date_of_birth.eq(claim.date_of_birth))
        .select(SubstituteDecisionMaker::as_select())
        .load(conn)?;
    let mut found: Vec<SubstituteDecisionMaker> = candidates
        .into_iter()
        .filter(|maker| {
            let number = maker.id_doc_key.strip_prefix("hkic:").unwrap_or("");
            let letters = number.bytes().take_while(u8::is_ascii_alphabetic).count();
            number.get(letters..letters + 6) == Some(digits.as_str())
        })
        .collect();
    Ok((found.len() == 1).then(|| found.remove(0)))
}

/// Sends a code to the SDM's own mobile if their particulars match; otherwise makes a
/// decoy challenge. Either way the answer is a challenge id, and the caller hears the same
/// words. Throttled callers, identifiers and lines are refused first.
pub fn request_code(
    conn: &mut DbConn,
    checks: LineChecks<'_>,
    claim: &Claim<'_>,
) -> CoreResult<Result<String, Identification>> {
    let (hasher, security, now) = (checks.hasher, checks.security, checks.now);
    write_tx(conn, |conn| {
        if let Some(refused) = throttled(conn, claim, now)? {
            return Ok(Err(refused));
        }
        let policy = CodePolicy::of(security);
        let purpose = CodePurpose::SdmSignIn;
        let Some(maker) = claimed_sdm(conn, claim)? else {
            return Ok(Ok(code_cover::decoy(
                conn, hasher, policy.ttl, purpose, now,
            )?
            .id));
        };
        let recipient = CodeRecipient {
            purpose,
            subject_id: maker.id.as_str(),
            destination: &maker.mobile,
            patient_id: None,
            language: maker.language,
        };
        Ok(Ok(codes::send_or_cover(
            conn, hasher, &policy, &recipient, now,
        )?
        .id))
    })
}

/// Checks the code of `challenge_id` and that the SDM it was sent to acts (active link)
/// for the registered patient `ehr_number`. Any failure is one wrong identity.
pub fn identify(
    conn: &mut DbConn,
    checks: LineChecks<'_>,
    claim: &Claim<'_>,
    proof: &SdmProof<'_>,
) -> CoreResult<SdmIdentification> {
    let (hasher, security, now) = (checks.hasher, checks.security, checks.now);
    write_tx(conn, |conn| {
        if let Some(refused) = throttled(conn, claim, now)? {
            return Ok(SdmIdentification::Refused(refused));
        }
        if let Some(found) = checked(conn, hasher, claim, proof, now)? {
            return Ok(SdmIdentification::Identified(found));
        }
        audit_try(
            conn,
            claim,
            None,
            AuditOutcome::Failed,
            "ivr_sdm_mismatch",
            now,
        )?;
        let outcome =
            count_wrong_identity(conn, security, claim, now)?.unwrap_or(Identification::Mismatch);
        Ok(SdmIdentification::Refused(outcome))
    })
}

fn checked(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    claim: &Claim<'_>,
    proof: &SdmProof<'_>,
    now: DateTime<Utc>,
) -> CoreResult<Option<SdmCaller>> {
    let Some(record) = one_time_codes::find(conn, proof.challenge_id)? else {
        return Ok(None);
    };
    let actor = Actor::new(ActorKind::Caller, claim.caller);
    let attempt = CodeTry {
        purpose: CodePurpose::SdmSignIn,
        typed: proof.code,
        actor: &actor,
        patient_id: None,
    };
    let CodeCheck::Accepted(record) = codes::check(conn, hasher, &record, &attempt, now)? else {
        return Ok(None);
    };
    // The code proves the SDM; the particulars keyed must still be theirs.
    let Some(maker) = claimed_sdm(conn, claim)?.filter(|m| m.id.as_str() == record.subject_id)
    else {
        return Ok(None);
    };
    let Some(patient_id) = sdm::linked_patient(conn, &maker.id, proof.ehr_number.as_str())? else {
        return Ok(None);
    };
    let patient =
        patients::find(conn, &patient_id)?.filter(|p| p.status == PatientStatus::Registered);
    let Some(patient) = patient else {
        return Ok(None);
    };
    audit_try(
        conn,
        claim,
        Some(&patient.id),
        AuditOutcome::Succeeded,
        "ivr_sdm_identified",
        now,
    )?;
    Ok(Some(SdmCaller {
        sdm_id: maker.id,
        patient: Box::new(patient),
    }))
}
