use serde_json::json;

use super::*;

fn one_of_each() -> Vec<Notice> {
    let p = ProviderFacts::default;
    vec![
        Notice::RegistrationCompleted(RegistrationFacts::default()),
        Notice::ConsentGiven(ConsentGivenFacts::default()),
        Notice::ConsentRevoked(ConsentRevokedFacts::default()),
        Notice::ConsentExpiring(ConsentExpiringFacts::default()),
        Notice::AccessKeyIssued(AccessKeyIssuedFacts::default()),
        Notice::AccessKeyLocked(AccessKeyLockedFacts::default()),
        Notice::CodeLocked(CodeLockedFacts::default()),
        Notice::ApprovalRequested(ApprovalRequestedFacts::default()),
        Notice::RecordAccessed(RecordAccessedFacts::default()),
        Notice::Withdrawal(WithdrawalFacts::default()),
        Notice::VerificationCode(VerificationCodeFacts::default()),
        Notice::AppliedWhileRegistered {},
        Notice::ProviderStatusScheduled(p()),
        Notice::ProviderStatusChanged(p()),
        Notice::ProviderDocumentExpiring(p()),
        Notice::RegistrationExpiring(p()),
        Notice::ProviderApplicationReceived(p()),
        Notice::ProviderApplicationMoreRequested(p()),
        Notice::ProviderApplicationApproved(p()),
        Notice::ProviderApplicationRefused(p()),
        Notice::SdmLinked(SdmLinkedFacts::default()),
        Notice::SdmActsFor(SdmActsForFacts::default()),
        Notice::SdmLinkEnded(SdmLinkEndedFacts::default()),
        Notice::CameOfAge(SdmLinkEndedFacts::default()),
    ]
}

fn to(notice: Notice) -> Notification {
    Notification {
        event_id: "e1".to_owned(),
        patient_id: Some(crate::ids::PatientId::new("p1")),
        destination: None,
        language: "en".to_owned(),
        name_en: Some("CHAN, Tai Man".to_owned()),
        name_zh: None,
        occurred_at: "2026-11-25T02:00:00+00:00".to_owned(),
        notice,
    }
}

#[test]
fn every_kind_is_stored_under_its_job_type_and_reads_back_the_same() {
    let notices = one_of_each();
    assert_eq!(notices.len(), NotificationKind::ALL.len());
    for notice in notices {
        let kind = notice.kind();
        let job = to(notice);
        let stored = job.to_value();
        assert_eq!(stored["kind"], kind.as_str(), "{stored}");
        assert!(stored["facts"].is_object(), "{stored}");
        let read = Notification::read(kind.as_str(), &stored.to_string()).expect("parse");
        assert_eq!(read, job);
    }
}

#[test]
fn a_patient_job_is_stored_byte_for_byte_as_before() {
    let facts = ConsentGivenFacts {
        consent_id: "c1".to_owned(),
        provider: ProviderNames {
            provider_id: Some("000010017".to_owned()),
            provider_name_en: Some("Harbour Clinic".to_owned()),
            provider_name_zh: Some("海港診所".to_owned()),
        },
        consent_type: "one_year".to_owned(),
        channel: "app".to_owned(),
        expires_at: Some("2027-11-25T02:00:00+00:00".to_owned()),
        supersedes: None,
        acted_by_sdm: None,
    };
    let before = json!({
        "kind": "consent_given", "event_id": "e1", "patient_id": "p1", "language": "en",
        "name_en": "CHAN, Tai Man", "name_zh": null, "occurred_at": "2026-11-25T02:00:00+00:00",
        "facts": { "consent_id": "c1", "provider_id": "000010017",
                   "provider_name_en": "Harbour Clinic", "provider_name_zh": "海港診所",
                   "type": "one_year", "channel": "app",
                   "expires_at": "2027-11-25T02:00:00+00:00", "supersedes": null },
    });
    let job = to(Notice::ConsentGiven(facts));
    assert_eq!(job.to_value().to_string(), before.to_string());
}

#[test]
fn jobs_in_the_shapes_of_the_previous_release_are_read() {
    // The voice line's code kept its destination under `facts`.
    let ivr = r#"{"event_id":"c9","facts":{"code":"ehs1.dev.x","destination":"+85291234567"},"kind":"verification_code","language":"zh-Hant","name_en":"CHAN, Tai Man","name_zh":null,"occurred_at":"2026-11-25T02:00:00+00:00","patient_id":"p1"}"#;
    let read = Notification::read("verification_code", ivr).expect("ivr code");
    assert_eq!(read.destination.as_deref(), Some("+85291234567"));
    let Notice::VerificationCode(f) = &read.notice else {
        panic!("{read:?}");
    };
    assert_eq!(f.code.as_deref(), Some("ehs1.dev.x"));
    // An applicant's code: no patient (null), no names.
    let applicant = r#"{"destination":"+85261234567","event_id":"c8","facts":{"code":"[delivered]","purpose":"mobile_verification"},"kind":"verification_code","language":"en","occurred_at":"2026-11-25T02:00:00+00:00","patient_id":null}"#;
    let read = Notification::read("verification_code", applicant).expect("applicant code");
    assert_eq!((read.patient_id, read.name_en), (None, None));
    // A message to a provider, with facts only its audit entry needed.
    let provider = r#"{"destination":"admin@clinic.hk","event_id":"pc1","facts":{"change_id":"x","effective_on":"2026-12-08","provider_id":"000010017","provider_name_en":"Harbour Clinic","provider_name_zh":"海港診所","reason":"review","received_on":null,"transition":"suspend"},"kind":"provider_status_scheduled","language":"en","name_en":"Admin","occurred_at":"2026-11-25T02:00:00+00:00"}"#;
    let read = Notification::read("provider_status_scheduled", provider).expect("provider");
    let f = read.notice.provider_facts().expect("provider facts");
    assert_eq!(f.transition.as_deref(), Some("suspend"));
    assert_eq!(f.provider.provider_name_zh.as_deref(), Some("海港診所"));
    // A folded access, named by an SDM-free patient job.
    let folded = r#"{"event_id":"view:7","facts":{"access_times":["2026-11-25T02:00:00+00:00","2026-11-25T02:03:00+00:00"],"audit_seq":7,"provider_id":null,"provider_name_en":null,"provider_name_zh":null},"kind":"record_accessed","language":"en","name_en":"CHAN","name_zh":"陳","occurred_at":"2026-11-25T02:00:00+00:00","patient_id":"p1"}"#;
    let Notice::RecordAccessed(f) = Notification::read("record_accessed", folded)
        .expect("folded")
        .notice
    else {
        panic!("not an access");
    };
    assert_eq!(f.access_times.map(|t| t.len()), Some(2));
}

#[test]
fn secrets_are_one_list_removed_for_push_and_marked_once_delivered() {
    let key = Notice::AccessKeyIssued(AccessKeyIssuedFacts {
        access_key: Some("ehs1.dev.sealed".to_owned()),
        acted_by_sdm: None,
    });
    let clean = key.without_secrets();
    assert_eq!(to(clean.clone()).to_value()["facts"], json!({}));
    assert_eq!(clean.scrubbed(), None, "nothing left to scrub");
    let Some(Notice::AccessKeyIssued(done)) = key.scrubbed() else {
        panic!("scrubbed");
    };
    assert_eq!(done.access_key.as_deref(), Some(DELIVERED));
    let mut letter = Notice::ProviderApplicationApproved(ProviderFacts {
        code: Some("ehs1.dev.c".to_owned()),
        ..ProviderFacts::default()
    });
    assert_eq!(letter.secrets_mut().len(), 1);
    assert_eq!(
        letter
            .without_secrets()
            .provider_facts()
            .and_then(|f| f.code),
        None
    );
    assert!(Notice::CodeLocked(CodeLockedFacts::default())
        .scrubbed()
        .is_none());
}

#[test]
fn only_an_act_names_the_substitute_decision_maker() {
    let mut act = Notice::Withdrawal(WithdrawalFacts::default());
    act.set_acted_by_sdm("CHAN, Mei".to_owned());
    assert_eq!(act.acted_by_sdm(), Some("CHAN, Mei"));
    let mut notice = Notice::RecordAccessed(RecordAccessedFacts::default());
    notice.set_acted_by_sdm("CHAN, Mei".to_owned());
    assert_eq!(notice.acted_by_sdm(), None);
}

#[test]
fn a_job_row_with_only_some_facts_is_read_with_its_kind_from_the_job_type() {
    let read = Notification::read("registration_completed", r#"{"facts":{"ehr_number":"1"}}"#)
        .expect("partial");
    assert_eq!(
        read.notice,
        Notice::RegistrationCompleted(RegistrationFacts {
            ehr_number: "1".to_owned()
        })
    );
    let bare = Notification::read("consent_given", "{}").expect("bare");
    assert_eq!(bare.kind(), NotificationKind::ConsentGiven);
    assert!(Notification::read("no_such_kind", "{}").is_err());
    assert!(Notification::read("consent_given", "[1]").is_err());
}
