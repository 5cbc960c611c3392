use super::*;
use ehealth_core::domain::NotificationKind;
use serde_json::{json, Value};

const LANGUAGES: [Language; 3] = [
    Language::English,
    Language::TraditionalChinese,
    Language::SimplifiedChinese,
];

fn payload() -> Value {
    json!({
        "occurred_at": "2026-11-25T02:00:00+00:00",
        "facts": { "provider_name_en": "Harbour Clinic", "provider_name_zh": "海港診所",
                   "ehr_number": "1234 5678 9012", "access_key": "12345678", "code": "654321",
                   "expires_at": "2027-06-30T04:00:00+00:00",
                   "transition": "suspend", "reason": "the clinic's licence is under review",
                   "effective_on": "2026-12-08", "reference": "PA-7K3M9Q2X", "provider_id": "000010017",
                   "username": "admin", "professional": "Dr CHAN Siu Ming", "registration_number": "M00001",
                   "document": "Certificate of Registration of Medical Clinic", "document_number": "MC-1234",
                   "sdm_name": "CHAN, Mei", "patient_name": "CHAN, Hoi Yan" }
    })
}

/// The notification of `kind` a stored payload holds, read as the notifier reads a row.
fn as_job(kind: NotificationKind, payload: &Value) -> Notification {
    Notification::read(kind.as_str(), &payload.to_string()).expect("a notification")
}

fn all_texts(language: Language, payload: &Value) -> String {
    NotificationKind::ALL
        .iter()
        .map(|kind| {
            let m = render(&as_job(*kind, payload), language);
            format!("## {kind}\nSubject: {}\n{}", m.subject, m.body)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn no_push_carries_a_secret_and_a_key_push_says_where_the_key_went() {
    for language in LANGUAGES {
        for kind in NotificationKind::ALL {
            let m = render_push(&as_job(*kind, &payload()), language);
            let text = format!("{}{}", m.subject, m.body);
            assert!(
                !text.contains("12345678") && !text.contains("654321"),
                "{kind}: {text}"
            );
            assert!(!m.body.contains("-push"), "{kind} {language}: {}", m.body);
        }
    }
    let key = render_push(
        &as_job(NotificationKind::AccessKeyIssued, &payload()),
        Language::English,
    );
    assert!(key.body.contains("means you chose"), "{}", key.body);
}

#[test]
fn every_message_in_english() {
    insta::assert_snapshot!(all_texts(Language::English, &payload()));
}

#[test]
fn every_message_in_traditional_chinese() {
    insta::assert_snapshot!(all_texts(Language::TraditionalChinese, &payload()));
}

#[test]
fn every_message_in_simplified_chinese() {
    insta::assert_snapshot!(all_texts(Language::SimplifiedChinese, &payload()));
}

#[test]
fn a_provider_is_told_the_reason_and_the_effective_date_of_each_change() {
    let mut p = payload();
    for (transition, en) in [
        ("suspend", "is suspended from eHealth"),
        ("reinstate", "is reinstated in eHealth"),
        ("cancel", "registration with eHealth is cancelled"),
        ("withdraw", "is withdrawn from eHealth, as it requested"),
    ] {
        p["facts"]["transition"] = json!(transition);
        let m = render(
            &as_job(NotificationKind::ProviderStatusChanged, &p),
            Language::English,
        );
        assert!(m.body.contains(en), "{transition}: {}", m.body);
        assert!(
            m.body.contains("2026-12-08") && m.body.contains("under review"),
            "{}",
            m.body
        );
        let zh = render(
            &as_job(NotificationKind::ProviderStatusScheduled, &p),
            Language::TraditionalChinese,
        );
        assert!(
            zh.body.contains("2026-12-08") && zh.body.contains("under review"),
            "{}",
            zh.body
        );
    }
    // A letter (no code in its facts) never shows a code or an empty placeholder.
    p["facts"].as_object_mut().unwrap().remove("code");
    let letter = render(
        &as_job(NotificationKind::ProviderApplicationApproved, &p),
        Language::English,
    );
    assert!(
        !letter.body.contains("654321") && !letter.body.contains("with the code"),
        "{}",
        letter.body
    );
}

#[test]
fn folded_accesses_list_every_time() {
    let mut p = payload();
    p["facts"]["access_times"] = json!([
        "2026-11-25T02:00:00+00:00",
        "2026-11-25T02:03:00+00:00",
        "2026-11-25T02:04:30+00:00"
    ]);
    let texts: Vec<String> = LANGUAGES
        .iter()
        .map(|l| render(&as_job(NotificationKind::RecordAccessed, &p), *l).body)
        .collect();
    insta::assert_snapshot!(texts.join("\n"));
    for t in &texts {
        assert!(
            t.contains("10:00") && t.contains("10:03") && t.contains("10:04"),
            "{t}"
        );
    }
}

#[test]
fn a_consent_recorded_from_a_form_says_how_to_revoke_if_it_was_not_you() {
    let mut p = payload();
    let plain: Vec<String> = LANGUAGES
        .iter()
        .map(|l| render(&as_job(NotificationKind::ConsentGiven, &p), *l).body)
        .collect();
    p["facts"]["channel"] = json!("form");
    let texts: Vec<String> = LANGUAGES
        .iter()
        .map(|l| render(&as_job(NotificationKind::ConsentGiven, &p), *l).body)
        .collect();
    insta::assert_snapshot!(texts.join("\n"));
    for (form, plain) in texts.iter().zip(&plain) {
        assert!(
            form.len() > plain.len() && !form.contains("not-you"),
            "{form}"
        );
    }
    p["facts"]["channel"] = json!("app");
    assert_eq!(
        render(
            &as_job(NotificationKind::ConsentGiven, &p),
            Language::English
        )
        .body,
        plain[0],
        "the patient's own consent needs no warning"
    );
}

#[test]
fn an_act_by_a_substitute_decision_maker_names_them_in_every_language() {
    let mut p = payload();
    let plain = render(
        &as_job(NotificationKind::ConsentRevoked, &p),
        Language::English,
    )
    .body;
    assert!(!plain.contains("substitute"));
    p["facts"]["acted_by_sdm"] = json!("CHAN, Mei Ling");
    for language in LANGUAGES {
        let m = render(&as_job(NotificationKind::ConsentRevoked, &p), language);
        assert!(m.body.contains("CHAN, Mei Ling"), "{language}: {}", m.body);
        assert!(!m.body.contains("acted-by-sdm"), "{language}: {}", m.body);
    }
}

#[test]
fn every_entry_exists_in_every_language_and_nothing_is_left_unresolved() {
    for language in LANGUAGES {
        for kind in NotificationKind::ALL {
            let m = render(&as_job(*kind, &payload()), language);
            assert!(m.body.contains(HOTLINE), "{kind} {language}");
            assert!(
                !m.subject.contains("subject-"),
                "{kind} {language}: {}",
                m.subject
            );
            assert!(
                !m.body.contains(kind.as_str()),
                "{kind} {language}: {}",
                m.body
            );
            assert!(
                !m.body.contains('{') && !m.body.contains('\u{2068}'),
                "{}",
                m.body
            );
        }
    }
}
