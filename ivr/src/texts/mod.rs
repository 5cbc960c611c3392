//! What callers hear, as data: one module per voice language. Placeholders in braces
//! (`{provider}`, `{digits}`, `{type}`, `{when}`) are filled by `fill`.

mod cantonese;
mod english;
mod putonghua;

use chrono::{DateTime, Utc};
use ehealth_core::config::{IvrVoices, SayVoice};
use ehealth_core::hong_kong_time::{hong_kong_time, HongKongTime};

/// The three voice languages of the line, in the order of the language menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voice {
    Cantonese,
    English,
    Putonghua,
}

impl Voice {
    pub const ALL: [Voice; 3] = [Voice::Cantonese, Voice::English, Voice::Putonghua];

    /// The key pressed for it in the language menu.
    pub fn from_key(digits: &str) -> Option<Self> {
        match digits {
            "1" => Some(Self::Cantonese),
            "2" => Some(Self::English),
            "3" => Some(Self::Putonghua),
            _ => None,
        }
    }

    /// The configured `<Say voice language>` of this language; English is en-GB or en-US
    /// as configured.
    pub fn say_voice(self, voices: &IvrVoices) -> &SayVoice {
        match self {
            Self::Cantonese => &voices.cantonese,
            Self::Putonghua => &voices.putonghua,
            Self::English if voices.english == "en-US" => &voices.english_us,
            Self::English => &voices.english_gb,
        }
    }

    /// How the call row stores the choice (the line's own names, not Twilio's codes).
    pub fn code(self) -> &'static str {
        match self {
            Self::Cantonese => "zh-HK",
            Self::English => "en-GB",
            Self::Putonghua => "cmn-CN",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.code() == code)
    }

    pub fn script(self) -> &'static Script {
        match self {
            Self::Cantonese => &cantonese::SCRIPT,
            Self::English => &english::SCRIPT,
            Self::Putonghua => &putonghua::SCRIPT,
        }
    }

    /// Chinese voices read the Chinese name of a provider.
    pub fn prefers_chinese_names(self) -> bool {
        self != Self::English
    }
}

/// Every sentence of the call flow in one language.
#[derive(Debug)]
pub struct Script {
    pub choose_me: &'static str,
    pub welcome: &'static str,
    pub ask_ehr: &'static str,
    /// After `ask_ehr`: how a substitute decision maker goes on (issue 14).
    pub sdm_offer: &'static str,
    /// The six HKIC digits of the SDM themselves.
    pub ask_sdm_id: &'static str,
    /// The eHR number of the patient the SDM acts for.
    pub ask_patient_ehr: &'static str,
    pub ask_dob: &'static str,
    pub ask_key: &'static str,
    pub code_sent: &'static str,
    pub ask_code: &'static str,
    pub not_understood: &'static str,
    pub mismatch: &'static str,
    pub locked_key: &'static str,
    pub locked_caller: &'static str,
    /// The details keyed, or the whole line, are throttled after too many wrong entries.
    pub throttled: &'static str,
    pub menu: &'static str,
    pub ask_provider: &'static str,
    pub unknown_provider: &'static str,
    pub provider_readback: &'static str,
    pub ask_type: &'static str,
    pub confirm_give: &'static str,
    pub one_year: &'static str,
    pub indefinite: &'static str,
    pub given: &'static str,
    pub no_consent: &'static str,
    pub confirm_revoke: &'static str,
    pub revoked: &'static str,
    pub confirm_new_key: &'static str,
    pub key_sent: &'static str,
    pub cancelled: &'static str,
    pub no_accesses: &'static str,
    pub accesses_intro: &'static str,
    pub access_line: &'static str,
    pub operator: &'static str,
    pub no_operator: &'static str,
    pub apology: &'static str,
    /// Too many callers are being checked at once (the Argon2 pool is full).
    pub busy: &'static str,
    pub goodbye: &'static str,
    pub too_many_tries: &'static str,
    /// How a moment is said, in Hong Kong time.
    pub when: fn(HongKongTime) -> String,
}

impl Script {
    pub fn when_utc(&self, at: DateTime<Utc>) -> String {
        (self.when)(hong_kong_time(at))
    }
}

/// Replaces `{name}` placeholders.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values
        .iter()
        .fold(template.to_owned(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
}

/// Digits read back one by one in groups of four (`1 2 3 4, 5 6 7 8`), so that a
/// text-to-speech voice never reads them as one large number.
pub fn grouped_digits(digits: &str) -> String {
    let chars: Vec<String> = digits.chars().map(String::from).collect();
    chars
        .chunks(4)
        .map(|group| group.join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_read_in_groups_of_four() {
        assert_eq!(grouped_digits("123456789"), "1 2 3 4, 5 6 7 8, 9");
        assert_eq!(grouped_digits(""), "");
    }

    /// A fixed-length entry ends at its last digit (`numDigits`): a `#` keyed after it
    /// would fall into the next prompt. Only the shorter forms (six HKIC digits, `0` for
    /// a new key) need the hash.
    #[test]
    fn fixed_length_entries_do_not_ask_for_hash() {
        let hash = ["hash", "井"];
        for voice in Voice::ALL {
            let s = voice.script();
            for fixed in [s.ask_dob, s.ask_code, s.ask_provider] {
                assert!(
                    !hash.iter().any(|h| fixed.contains(h)),
                    "{voice:?}: {fixed}"
                );
            }
            // The full-length forms come first, in a sentence of their own.
            for shorter in [s.ask_ehr, s.ask_key] {
                let full = shorter.split(['.', '。', '；']).next().unwrap_or("");
                assert!(!hash.iter().any(|h| full.contains(h)), "{voice:?}: {full}");
            }
            for shorter in [s.ask_ehr, s.ask_key] {
                assert_eq!(
                    hash.iter().filter(|h| shorter.contains(*h)).count(),
                    1,
                    "{voice:?}: {shorter}"
                );
                assert!(
                    hash.iter().all(|h| shorter.matches(h).count() <= 1),
                    "{voice:?}: {shorter}"
                );
            }
        }
    }

    #[test]
    fn every_language_names_a_voice_for_its_own_language() {
        let mut voices = IvrVoices::default();
        for voice in Voice::ALL {
            let say = voice.say_voice(&voices);
            assert!(
                say.voice.starts_with("Polly.") || say.voice.starts_with("Google."),
                "{say:?}"
            );
            if let Some(google) = say.voice.strip_prefix("Google.") {
                assert!(
                    google.starts_with(&say.language),
                    "a Google voice is named by its language: {say:?}"
                );
            }
        }
        assert_eq!(Voice::English.say_voice(&voices).language, "en-GB");
        voices.english = "en-US".to_owned();
        assert_eq!(Voice::English.say_voice(&voices).language, "en-US");
        assert_eq!(Voice::Cantonese.say_voice(&voices).language, "yue-HK");
    }

    #[test]
    fn every_script_fills_its_placeholders() {
        for voice in Voice::ALL {
            let s = voice.script();
            let text = fill(s.confirm_give, &[("provider", "P"), ("type", s.one_year)]);
            assert!(!text.contains('{'), "{voice:?}: {text}");
            assert!(fill(s.provider_readback, &[("digits", "1"), ("provider", "P")]).contains('P'));
            assert_eq!(Voice::from_code(voice.code()), Some(voice));
        }
    }
}
