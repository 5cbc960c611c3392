//! Message texts in the patient's language, from the Fluent files in `notifier/locales/`
//! (English, Traditional and Simplified Chinese). They carry no clinical detail: who,
//! when, and the hotline. Every text is snapshot-tested so that a reviewer reads what
//! patients read.

use chrono::{DateTime, Utc};
use ehealth_core::domain::{Language, NotificationKind};
use ehealth_core::hong_kong_time::hong_kong_time;
use fluent_bundle::{FluentArgs, FluentBundle, FluentResource};
use serde_json::Value;

pub const HOTLINE: &str = "3467 6300";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub body: String,
}

fn source(language: Language) -> (&'static str, &'static str) {
    match language {
        Language::English => ("en", include_str!("../locales/en.ftl")),
        Language::TraditionalChinese => ("zh-Hant", include_str!("../locales/zh-Hant.ftl")),
        Language::SimplifiedChinese => ("zh-Hans", include_str!("../locales/zh-Hans.ftl")),
    }
}

fn bundle(language: Language) -> FluentBundle<FluentResource> {
    let (tag, ftl) = source(language);
    let id: unic_langid::LanguageIdentifier = tag.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new(vec![id]);
    // Isolation marks (U+2068/U+2069) would show as junk in an SMS.
    bundle.set_use_isolating(false);
    // The files are ours and checked by the tests below; a broken entry renders as its id.
    let resource = FluentResource::try_new(ftl.to_owned()).unwrap_or_else(|(r, _)| r);
    let _ = bundle.add_resource(resource);
    bundle
}

fn text(bundle: &FluentBundle<FluentResource>, id: &str, args: &FluentArgs) -> String {
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        return id.to_owned();
    };
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, Some(args), &mut errors)
        .into_owned()
}

fn fact<'a>(payload: &'a Value, key: &str) -> &'a str {
    payload["facts"][key].as_str().unwrap_or("")
}

/// Times are shown in Hong Kong time.
fn local_time(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            hong_kong_time(t.with_timezone(&Utc))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_owned())
}

fn provider_name(payload: &Value, language: Language) -> String {
    let zh = fact(payload, "provider_name_zh");
    match language {
        Language::English => fact(payload, "provider_name_en").to_owned(),
        _ if !zh.is_empty() => zh.to_owned(),
        _ => fact(payload, "provider_name_en").to_owned(),
    }
}

fn arguments(payload: &Value, language: Language) -> FluentArgs<'static> {
    let mut args = FluentArgs::new();
    for key in [
        "ehr_number",
        "access_key",
        "code",
        "sdm_name",
        "patient_name",
        "acted_by_sdm",
    ] {
        args.set(key, fact(payload, key).to_owned());
    }
    args.set("provider", provider_name(payload, language));
    args.set("hotline", HOTLINE);
    args.set(
        "when",
        local_time(payload["occurred_at"].as_str().unwrap_or("")),
    );
    // The day a consent expires, in Hong Kong: the first ten characters of the local time.
    let expires = local_time(payload["facts"]["expires_at"].as_str().unwrap_or(""));
    args.set(
        "expires_on",
        expires.get(..10).unwrap_or(&expires).to_owned(),
    );
    // Messages to providers and applicants (issue 16): dates are Hong Kong dates already.
    for key in [
        "reason",
        "effective_on",
        "received_on",
        "transition",
        "registration_number",
        "professional",
        "reference",
        "username",
        "document",
        "document_number",
        "provider_id",
    ] {
        args.set(key, fact(payload, key).to_owned());
    }
    if !fact(payload, "expires_on").is_empty() {
        args.set("expires_on", fact(payload, "expires_on").to_owned());
    }
    args.set(
        "has_code",
        if fact(payload, "code").is_empty() {
            "no"
        } else {
            "yes"
        },
    );
    let times: Vec<String> = payload["facts"]["access_times"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).map(local_time).collect())
        .unwrap_or_default();
    args.set("folded", if times.len() > 1 { "yes" } else { "no" });
    args.set("count", times.len().max(1));
    let separator = if language == Language::English {
        ", "
    } else {
        "、"
    };
    args.set("times", times.join(separator));
    args
}

pub fn render(kind: NotificationKind, language: Language, payload: &Value) -> Message {
    render_as(kind, kind.as_str(), language, payload)
}

/// Facts never put on a lock screen nor passed through Google and Apple.
pub const SECRET_FACTS: [&str; 2] = ["access_key", "code"];

/// The text of a push: secrets removed from the facts, and a kind that carries one told
/// by its `<kind>-push` entry ("a new key was sent by your chosen means").
pub fn render_push(kind: NotificationKind, language: Language, payload: &Value) -> Message {
    let mut clean = payload.clone();
    if let Some(facts) = clean.get_mut("facts").and_then(Value::as_object_mut) {
        for secret in SECRET_FACTS {
            facts.remove(secret);
        }
    }
    let push_id = format!("{}-push", kind.as_str());
    let id = if bundle(language).has_message(&push_id) {
        push_id
    } else {
        kind.as_str().to_owned()
    };
    render_as(kind, &id, language, &clean)
}

fn render_as(kind: NotificationKind, id: &str, language: Language, payload: &Value) -> Message {
    let bundle = bundle(language);
    let args = arguments(payload, language);
    let brand = text(&bundle, "brand", &args);
    let subject = text(&bundle, &format!("subject-{}", kind.as_str()), &args);
    let mut line = text(&bundle, id, &args);
    // Consent recorded for the patient by a professional: the patient learns of it only
    // from this message, so it says what to do if it was not them.
    if kind == NotificationKind::ConsentGiven
        && matches!(fact(payload, "channel"), "form" | "smart_hkic")
    {
        if language == Language::English {
            line.push(' ');
        }
        line.push_str(&text(&bundle, "consent_given-not-you", &args));
    }
    // An act a substitute decision maker did: the patient is told who it was.
    if !fact(payload, "acted_by_sdm").is_empty() {
        if language == Language::English {
            line.push(' ');
        }
        line.push_str(&text(&bundle, "acted-by-sdm", &args));
    }
    let footer = text(&bundle, "footer", &args);
    Message {
        subject: format!("{brand}: {subject}"),
        body: format!("{line}\n{footer}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    fn all_texts(language: Language, payload: &Value) -> String {
        NotificationKind::ALL
            .iter()
            .map(|kind| {
                let m = render(*kind, language, payload);
                format!("## {kind}\nSubject: {}\n{}", m.subject, m.body)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn no_push_carries_a_secret_and_a_key_push_says_where_the_key_went() {
        for language in LANGUAGES {
            for kind in NotificationKind::ALL {
                let m = render_push(*kind, language, &payload());
                let text = format!("{}{}", m.subject, m.body);
                assert!(
                    !text.contains("12345678") && !text.contains("654321"),
                    "{kind}: {text}"
                );
                assert!(!m.body.contains("-push"), "{kind} {language}: {}", m.body);
            }
        }
        let key = render_push(
            NotificationKind::AccessKeyIssued,
            Language::English,
            &payload(),
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
                NotificationKind::ProviderStatusChanged,
                Language::English,
                &p,
            );
            assert!(m.body.contains(en), "{transition}: {}", m.body);
            assert!(
                m.body.contains("2026-12-08") && m.body.contains("under review"),
                "{}",
                m.body
            );
            let zh = render(
                NotificationKind::ProviderStatusScheduled,
                Language::TraditionalChinese,
                &p,
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
            NotificationKind::ProviderApplicationApproved,
            Language::English,
            &p,
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
            .map(|l| render(NotificationKind::RecordAccessed, *l, &p).body)
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
            .map(|l| render(NotificationKind::ConsentGiven, *l, &p).body)
            .collect();
        p["facts"]["channel"] = json!("form");
        let texts: Vec<String> = LANGUAGES
            .iter()
            .map(|l| render(NotificationKind::ConsentGiven, *l, &p).body)
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
            render(NotificationKind::ConsentGiven, Language::English, &p).body,
            plain[0],
            "the patient's own consent needs no warning"
        );
    }

    #[test]
    fn an_act_by_a_substitute_decision_maker_names_them_in_every_language() {
        let mut p = payload();
        let plain = render(NotificationKind::ConsentRevoked, Language::English, &p).body;
        assert!(!plain.contains("substitute"));
        p["facts"]["acted_by_sdm"] = json!("CHAN, Mei Ling");
        for language in LANGUAGES {
            let m = render(NotificationKind::ConsentRevoked, language, &p);
            assert!(m.body.contains("CHAN, Mei Ling"), "{language}: {}", m.body);
            assert!(!m.body.contains("acted-by-sdm"), "{language}: {}", m.body);
        }
    }

    #[test]
    fn every_entry_exists_in_every_language_and_nothing_is_left_unresolved() {
        for language in LANGUAGES {
            for kind in NotificationKind::ALL {
                let m = render(*kind, language, &payload());
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
}
