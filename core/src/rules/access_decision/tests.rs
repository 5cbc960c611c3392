use super::*;

/// A set of facts under which access is granted; each test breaks exactly one condition.
struct Fixture {
    row: BTreeSet<DataType>,
    restricted: BTreeSet<DataType>,
    approved: BTreeSet<DataType>,
    requested: Vec<DataType>,
}

impl Fixture {
    fn new() -> Self {
        Self {
            row: [
                DataType::Encounters,
                DataType::AllergiesAdrs,
                DataType::ClinicalNotes,
            ]
            .into_iter()
            .collect(),
            restricted: [DataType::ClinicalNotes].into_iter().collect(),
            approved: BTreeSet::new(),
            requested: vec![DataType::Encounters, DataType::AllergiesAdrs],
        }
    }

    fn facts(&self) -> AccessFacts<'_> {
        let now = DateTime::from_timestamp(1_800_000_000, 0).expect("valid");
        AccessFacts {
            now,
            patient: Some(PatientStatus::Registered),
            provider_status: ProviderStatus::Registered,
            provider_is_public_body: false,
            account_status: AccountStatus::Active,
            account_at_provider: true,
            registration_expires_on: None,
            consent: Some((
                ConsentStatus::Active,
                Some(now + chrono::Duration::days(10)),
            )),
            purpose: Purpose::CareEpisode {
                open_at_provider: true,
            },
            requested: &self.requested,
            matrix_row: &self.row,
            restricted: &self.restricted,
            approved: &self.approved,
        }
    }
}

fn refused(f: &AccessFacts<'_>) -> Refusal {
    match decide(f) {
        AccessDecision::Refused(r) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn all_conditions_met_grants_the_requested_types() {
    let fx = Fixture::new();
    assert_eq!(
        decide(&fx.facts()),
        AccessDecision::Granted {
            data_types: vec![DataType::Encounters, DataType::AllergiesAdrs],
            withheld: vec![],
        }
    );
}

#[test]
fn condition_1_patient_registered_and_not_withdrawn() {
    let fx = Fixture::new();
    let mut f = fx.facts();
    f.patient = None;
    assert_eq!(refused(&f), Refusal::PatientNotRegistered);
    f.patient = Some(PatientStatus::Withdrawn);
    assert_eq!(refused(&f), Refusal::PatientWithdrawn);
}

#[test]
fn condition_2_provider_registered() {
    let fx = Fixture::new();
    for status in [
        ProviderStatus::Suspended,
        ProviderStatus::Cancelled,
        ProviderStatus::Withdrawn,
    ] {
        let mut f = fx.facts();
        f.provider_status = status;
        assert_eq!(refused(&f), Refusal::ProviderNotRegistered(status));
        assert_eq!(refused(&f).code(), "provider_not_registered");
    }
}

#[test]
fn condition_3_account_active_at_the_provider() {
    let fx = Fixture::new();
    let mut f = fx.facts();
    f.account_status = AccountStatus::Disabled;
    assert_eq!(refused(&f), Refusal::AccountNotActive);
    let mut f = fx.facts();
    f.account_at_provider = false;
    assert_eq!(refused(&f), Refusal::AccountNotAtProvider);
}

#[test]
fn condition_4_valid_sharing_consent_or_public_body() {
    let fx = Fixture::new();
    let mut f = fx.facts();
    f.consent = None;
    assert_eq!(refused(&f), Refusal::NoSharingConsent);
    f.consent = Some((ConsentStatus::Revoked, None));
    assert_eq!(refused(&f), Refusal::NoSharingConsent);
    f.consent = Some((ConsentStatus::Active, Some(f.now)));
    assert_eq!(
        refused(&f),
        Refusal::NoSharingConsent,
        "expired at this instant"
    );
    // HA and DH hold deemed consent.
    f.consent = None;
    f.provider_is_public_body = true;
    assert!(matches!(decide(&f), AccessDecision::Granted { .. }));
}

#[test]
fn condition_5_purpose_stated() {
    let fx = Fixture::new();
    let mut f = fx.facts();
    f.purpose = Purpose::None;
    assert_eq!(refused(&f), Refusal::NoPurpose);
    f.purpose = Purpose::Reason("   ".into());
    assert_eq!(refused(&f), Refusal::NoPurpose);
    f.purpose = Purpose::CareEpisode {
        open_at_provider: false,
    };
    assert_eq!(refused(&f), Refusal::NoPurpose);
    f.purpose = Purpose::Reason("emergency attendance".into());
    assert!(matches!(decide(&f), AccessDecision::Granted { .. }));
}

#[test]
fn condition_6_profession_row_of_the_matrix() {
    let mut fx = Fixture::new();
    fx.requested = vec![DataType::BirthImmunisation];
    assert_eq!(refused(&fx.facts()), Refusal::NotPermittedForProfession);
    // Mixed: the allowed type is given, the other withheld with its reason.
    fx.requested = vec![DataType::BirthImmunisation, DataType::Encounters];
    assert_eq!(
        decide(&fx.facts()),
        AccessDecision::Granted {
            data_types: vec![DataType::Encounters],
            withheld: vec![Withheld {
                data_type: DataType::BirthImmunisation,
                reason: Refusal::NotPermittedForProfession
            }],
        }
    );
}

#[test]
fn condition_7_restricted_types_need_reason_and_approval_in_the_community() {
    let mut fx = Fixture::new();
    fx.requested = vec![DataType::ClinicalNotes];
    // Care episode alone is no reason for restricted data.
    assert_eq!(refused(&fx.facts()), Refusal::RestrictedNeedsReason);
    let mut f = fx.facts();
    f.purpose = Purpose::Reason("follow-up of referral".into());
    assert_eq!(refused(&f), Refusal::RestrictedNeedsPatientApproval);
    // With the patient's approval it is granted.
    fx.approved = [DataType::ClinicalNotes].into_iter().collect();
    let mut f = fx.facts();
    f.purpose = Purpose::Reason("follow-up of referral".into());
    assert!(matches!(decide(&f), AccessDecision::Granted { .. }));
}

#[test]
fn public_bodies_need_a_reason_but_no_approval_for_restricted_types() {
    let mut fx = Fixture::new();
    fx.requested = vec![DataType::ClinicalNotes];
    let mut f = fx.facts();
    f.provider_is_public_body = true;
    assert_eq!(refused(&f), Refusal::RestrictedNeedsReason);
    f.purpose = Purpose::Reason("inpatient care".into());
    assert!(matches!(decide(&f), AccessDecision::Granted { .. }));
}

#[test]
fn empty_request_is_refused() {
    let mut fx = Fixture::new();
    fx.requested.clear();
    assert_eq!(refused(&fx.facts()), Refusal::NoDataTypesRequested);
}

#[test]
fn an_expired_professional_registration_is_refused_with_its_own_reason() {
    let fx = Fixture::new();
    let mut f = fx.facts();
    let today = crate::rules::hong_kong_date(f.now);
    f.registration_expires_on = Some(today);
    assert!(
        matches!(decide(&f), AccessDecision::Granted { .. }),
        "valid through its last day"
    );
    f.registration_expires_on = today.pred_opt();
    assert_eq!(refused(&f), Refusal::RegistrationExpired);
    assert_eq!(
        Refusal::RegistrationExpired.code(),
        "professional_registration_expired"
    );
}
