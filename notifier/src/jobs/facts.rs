//! What each kind's message tells: its typed facts as the arguments of its Fluent text.
//! One arm per kind, so a fact a message needs that the kind does not carry is a compile
//! error here, not an empty string in a patient's SMS.

use ehealth_core::domain::notice::{ProviderFacts, ProviderNames};
use ehealth_core::domain::{Language, Notice};
use fluent_bundle::FluentArgs;

use crate::messages::local_time;

fn put(args: &mut FluentArgs<'static>, key: &'static str, value: Option<&str>) {
    args.set(key, value.unwrap_or_default().to_owned());
}

pub(crate) fn set_arguments(args: &mut FluentArgs<'static>, notice: &Notice, language: Language) {
    match notice {
        Notice::RegistrationCompleted(f) => put(args, "ehr_number", Some(&f.ehr_number)),
        Notice::ConsentGiven(f) => provider(args, &f.provider, language),
        Notice::ConsentRevoked(f) => provider(args, &f.provider, language),
        Notice::ConsentExpiring(f) => {
            provider(args, &f.provider, language);
            put(args, "expires_on", Some(&day_of(f.expires_at.as_deref())));
        }
        Notice::AccessKeyIssued(f) => put(args, "access_key", f.access_key.as_deref()),
        Notice::ApprovalRequested(f) => provider(args, &f.provider, language),
        Notice::RecordAccessed(f) => {
            provider(args, &f.provider, language);
            accesses(
                args,
                f.access_times.as_deref().unwrap_or_default(),
                language,
            );
        }
        Notice::VerificationCode(f) => put(args, "code", f.code.as_deref()),
        Notice::AccessKeyLocked(_)
        | Notice::CodeLocked(_)
        | Notice::Withdrawal(_)
        | Notice::AppliedWhileRegistered {} => {}
        Notice::SdmLinked(f) => put(args, "sdm_name", Some(&f.sdm_name)),
        Notice::SdmActsFor(f) => {
            put(args, "patient_name", Some(&f.patient_name));
            put(args, "ehr_number", Some(&f.ehr_number));
        }
        Notice::SdmLinkEnded(f) | Notice::CameOfAge(f) => {
            put(args, "sdm_name", Some(&f.sdm_name));
            put(args, "patient_name", Some(&f.patient_name));
            put(args, "ehr_number", f.ehr_number.as_deref());
        }
        provider_notice => {
            if let Some(f) = provider_notice.provider_facts() {
                provider_facts(args, &f, language);
            }
        }
    }
    if let Some(name) = notice.acted_by_sdm() {
        put(args, "acted_by_sdm", Some(name));
    }
}

/// The provider's name as the message's language writes it: the Chinese name in Chinese
/// when it has one.
fn provider(args: &mut FluentArgs<'static>, names: &ProviderNames, language: Language) {
    let en = names.provider_name_en.as_deref();
    let zh = names
        .provider_name_zh
        .as_deref()
        .filter(|zh| !zh.is_empty());
    let name = match language {
        Language::English => en,
        _ => zh.or(en),
    };
    put(args, "provider", name);
}

/// The Hong Kong day of an instant: the first ten characters of its local time.
fn day_of(rfc3339: Option<&str>) -> String {
    let local = local_time(rfc3339.unwrap_or_default());
    local.get(..10).unwrap_or(&local).to_owned()
}

/// The accesses a folded message lists (see `folding`): one, or every time.
fn accesses(args: &mut FluentArgs<'static>, times: &[String], language: Language) {
    let times: Vec<String> = times.iter().map(|t| local_time(t)).collect();
    args.set("folded", if times.len() > 1 { "yes" } else { "no" });
    args.set("count", times.len().max(1));
    let separator = if language == Language::English {
        ", "
    } else {
        "、"
    };
    args.set("times", times.join(separator));
}

/// Messages to providers and applicants (issue 16): their dates are Hong Kong dates
/// already; a fact an event does not carry reads as empty, as it always has.
fn provider_facts(args: &mut FluentArgs<'static>, f: &ProviderFacts, language: Language) {
    provider(args, &f.provider, language);
    put(args, "provider_id", f.provider.provider_id.as_deref());
    for (key, value) in [
        ("reason", &f.reason),
        ("effective_on", &f.effective_on),
        ("received_on", &f.received_on),
        ("transition", &f.transition),
        ("registration_number", &f.registration_number),
        ("professional", &f.professional),
        ("reference", &f.reference),
        ("username", &f.username),
        ("document", &f.document),
        ("document_number", &f.document_number),
        ("code", &f.code),
    ] {
        put(args, key, value.as_deref());
    }
    let expires_on = match f.expires_on.as_deref().filter(|d| !d.is_empty()) {
        Some(day) => day.to_owned(),
        None => day_of(f.expires_at.as_deref()),
    };
    args.set("expires_on", expires_on);
    let has_code = f.code.as_deref().is_some_and(|c| !c.is_empty());
    args.set("has_code", if has_code { "yes" } else { "no" });
}
