//! Message texts in the patient's language, from the Fluent files in `notifier/locales/`
//! (English, Traditional and Simplified Chinese). They carry no clinical detail: who,
//! when, and the hotline. Every text is snapshot-tested so that a reviewer reads what
//! patients read.

use chrono::{DateTime, Utc};
use ehealth_core::domain::{Language, Notice, Notification};
use ehealth_core::hong_kong_time::hong_kong_time;
use fluent_bundle::{FluentArgs, FluentBundle, FluentResource};

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

/// Times are shown in Hong Kong time.
pub(crate) fn local_time(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            hong_kong_time(t.with_timezone(&Utc))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_owned())
}

/// The message's arguments: the footer's, then the facts of its kind. A text naming an
/// argument its kind does not give renders as `{$name}`, which the tests below refuse.
fn arguments(job: &Notification, language: Language) -> FluentArgs<'static> {
    let mut args = FluentArgs::new();
    args.set("hotline", HOTLINE);
    args.set("when", local_time(&job.occurred_at));
    crate::jobs::facts::set_arguments(&mut args, &job.notice, language);
    args
}

pub fn render(job: &Notification, language: Language) -> Message {
    render_as(job, job.kind().as_str(), language)
}

/// The text of a push: secrets removed (`Notice::without_secrets`), and a kind that
/// carries one told by its `<kind>-push` entry ("a new key was sent by your chosen means").
pub fn render_push(job: &Notification, language: Language) -> Message {
    let kind = job.kind();
    let push_id = format!("{}-push", kind.as_str());
    let id = if bundle(language).has_message(&push_id) {
        push_id
    } else {
        kind.as_str().to_owned()
    };
    render_as(
        &job.with_notice(job.notice.without_secrets()),
        &id,
        language,
    )
}

fn render_as(job: &Notification, id: &str, language: Language) -> Message {
    let kind = job.kind();
    let bundle = bundle(language);
    let args = arguments(job, language);
    let brand = text(&bundle, "brand", &args);
    let subject = text(&bundle, &format!("subject-{}", kind.as_str()), &args);
    let mut line = text(&bundle, id, &args);
    // Consent recorded for the patient by a professional: the patient learns of it only
    // from this message, so it says what to do if it was not them.
    let from_counter = matches!(&job.notice, Notice::ConsentGiven(f)
        if matches!(f.channel.as_str(), "form" | "smart_hkic"));
    if from_counter {
        if language == Language::English {
            line.push(' ');
        }
        line.push_str(&text(&bundle, "consent_given-not-you", &args));
    }
    // An act a substitute decision maker did: the patient is told who it was.
    if job
        .notice
        .acted_by_sdm()
        .is_some_and(|name| !name.is_empty())
    {
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
#[path = "messages_tests.rs"]
mod tests;
