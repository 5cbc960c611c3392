//! Who may act in the app, and for whom. A patient acts for themselves. A substitute
//! decision maker signs in as themselves and names the patient they act for (the app's
//! `X-Acting-For: <eHR number>`); only an active link to that patient lets them act, and
//! every act records the SDM as the actor. Some acts are the patient's alone.

use crate::actions::sign_in::{PATIENT, SDM};
use crate::domain::{Actor, ActorKind, SessionSubject};
use crate::error::{CoreError, CoreResult};
use crate::ids::{EhrNumber, PatientId, SdmId};
use crate::ErrorCode;

/// The field the app names the patient in (the `X-Acting-For` header).
pub const ACTING_FOR_FIELD: &str = "X-Acting-For";

/// The patient a request is about and who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acting {
    pub patient_id: PatientId,
    pub actor: Actor,
}

impl Acting {
    /// Refuses an SDM where only the patient may act (their own devices, inbox, passkeys).
    pub fn patient_only(self) -> CoreResult<Self> {
        if self.actor.kind == ActorKind::Patient {
            Ok(self)
        } else {
            Err(CoreError::refused(
                ErrorCode::PatientOnly,
                "only the patient can do this",
            ))
        }
    }
}

/// What a session claims before any link is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActingClaim {
    /// A patient, acting for themselves: nothing left to check.
    Patient(Acting),
    /// An SDM naming a patient: acts only once an active link to them is found.
    Sdm { sdm_id: SdmId, patient: EhrNumber },
}

/// The claim of a session of `subject_kind` whose request names `acting_for` (the
/// header's text, if sent). A patient's session ignores the header; an SDM's must name
/// an eHR number; a staff session is not the app's.
pub fn acting_claim(
    subject_kind: SessionSubject,
    subject_id: &str,
    acting_for: Option<&str>,
) -> CoreResult<ActingClaim> {
    match subject_kind {
        PATIENT => Ok(ActingClaim::Patient(Acting {
            patient_id: PatientId::new(subject_id),
            actor: Actor::new(ActorKind::Patient, subject_id),
        })),
        SDM => {
            let text = acting_for.ok_or_else(|| {
                CoreError::invalid(
                    ACTING_FOR_FIELD,
                    "an SDM must name the patient they act for",
                )
            })?;
            let patient = EhrNumber::parse(text)
                .map_err(|_| CoreError::invalid(ACTING_FOR_FIELD, "must be an eHR number"))?;
            Ok(ActingClaim::Sdm {
                sdm_id: SdmId::new(subject_id),
                patient,
            })
        }
        _ => Err(CoreError::refused(
            ErrorCode::NotAnAppSession,
            "sign in with the app to use this",
        )),
    }
}

/// The SDM's claim once the link is looked up: `linked_patient` is the patient their
/// active link leads to, if any.
pub fn sdm_acting(sdm_id: &SdmId, linked_patient: Option<PatientId>) -> CoreResult<Acting> {
    let patient_id = linked_patient.ok_or_else(|| {
        CoreError::refused(ErrorCode::NotLinked, "you do not act for this patient")
    })?;
    Ok(Acting {
        patient_id,
        actor: Actor::new(ActorKind::Sdm, sdm_id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn an_ehr_number() -> EhrNumber {
        EhrNumber::random(&mut rand::thread_rng())
    }

    fn code(e: &CoreError) -> String {
        e.code().as_str().to_owned()
    }

    #[test]
    fn a_patient_acts_for_themselves_whatever_the_header_says() {
        for header in [None, Some("not a number")] {
            let claim = acting_claim(PATIENT, "p1", header).expect("a patient acts");
            let ActingClaim::Patient(acting) = claim else {
                panic!("no link to look up for a patient")
            };
            assert_eq!(acting.patient_id.as_str(), "p1");
            assert_eq!(acting.actor, Actor::new(ActorKind::Patient, "p1"));
            assert!(acting.patient_only().is_ok());
        }
    }

    #[test]
    fn an_sdm_must_name_a_well_formed_ehr_number() {
        let missing = acting_claim(SDM, "s1", None).expect_err("names no one");
        assert_eq!(missing.field(), Some(ACTING_FOR_FIELD));
        assert!(missing.to_string().contains("must name the patient"));
        let bad = acting_claim(SDM, "s1", Some("12")).expect_err("not an eHR number");
        assert!(bad.to_string().contains("must be an eHR number"));
        let ehr = an_ehr_number();
        let claim = acting_claim(SDM, "s1", Some(&ehr.to_string())).expect("named");
        let ActingClaim::Sdm { sdm_id, patient } = claim else {
            panic!("an SDM's claim needs its link")
        };
        assert_eq!(sdm_id.as_str(), "s1");
        assert_eq!(patient, ehr);
    }

    #[test]
    fn an_sdm_acts_only_through_a_link_and_never_where_only_the_patient_may() {
        let refused = sdm_acting(&SdmId::new("s1"), None).expect_err("no link");
        assert_eq!(code(&refused), "not_linked");
        let acting = sdm_acting(&SdmId::new("s1"), Some(PatientId::new("p1"))).expect("linked");
        assert_eq!(acting.patient_id.as_str(), "p1");
        assert_eq!(acting.actor, Actor::new(ActorKind::Sdm, "s1"));
        let only = acting.patient_only().expect_err("the patient's alone");
        assert_eq!(code(&only), "patient_only");
    }

    #[test]
    fn staff_sessions_are_not_the_apps() {
        let e = acting_claim(
            SessionSubject::Account,
            "a1",
            Some(an_ehr_number().as_str()),
        )
        .expect_err("staff");
        assert_eq!(code(&e), "not_an_app_session");
    }
}
