//! A person's particulars that every route takes (the app's application, the counter's
//! walk-in registration): names, mobile number, email address, postal address. Each can
//! only be built by parsing, so a route cannot store what another would refuse.

use std::fmt;

use crate::error::{CoreError, CoreResult};

/// Refuses control characters (NUL, escapes, bidi overrides and the like); `keep` lists
/// those that mean something in the field (a line break in an address).
fn refuse_controls(field: &'static str, text: &str, keep: &[char]) -> CoreResult<()> {
    let bad = |c: char| {
        (c.is_control() && !keep.contains(&c))
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if text.chars().any(bad) {
        return Err(CoreError::invalid(
            field,
            "must not contain control or direction-override characters",
        ));
    }
    Ok(())
}

/// Trimmed, 1 to `max` characters, no control characters but `keep`.
fn bounded(field: &'static str, input: &str, max: usize, keep: &[char]) -> CoreResult<String> {
    let text = input.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(CoreError::invalid(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    refuse_controls(field, text, keep)?;
    Ok(text.to_owned())
}

/// A mobile number in international form (E.164): `+`, then 8 to 15 digits. Spaces and
/// hyphens are dropped; a number without `+` is taken as a Hong Kong number (8 digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MobileNumber(String);

impl MobileNumber {
    pub const FIELD: &'static str = "mobile";

    pub fn parse(input: &str) -> CoreResult<Self> {
        let cleaned: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let digits = match cleaned.strip_prefix('+') {
            Some(rest) => rest.to_owned(),
            None if cleaned.len() == 8 => format!("852{cleaned}"),
            None => String::new(),
        };
        if !(8..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CoreError::invalid(
                Self::FIELD,
                "must be a mobile number such as +852 9123 4567",
            ));
        }
        Ok(Self(format!("+{digits}")))
    }

    /// `+85291234567`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the number starts with one of these country calling codes (`"852"`).
    pub fn in_countries(&self, calling_codes: &[String]) -> bool {
        calling_codes
            .iter()
            .any(|code| self.0[1..].starts_with(code.trim_start_matches('+')))
    }
}

/// An email address, checked for shape only (a code sent to it proves it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub const FIELD: &'static str = "email";

    pub fn parse(input: &str) -> CoreResult<Self> {
        let e = input.trim();
        let ok = e.len() <= 254
            && !e.chars().any(|c| c.is_whitespace() || c.is_control())
            && e.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            });
        if !ok {
            return Err(CoreError::invalid(Self::FIELD, "must be an email address"));
        }
        Ok(Self(e.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's name as written on their identity document: English (up to 200
/// characters) or Chinese (up to 100).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse_english(input: &str) -> CoreResult<Self> {
        bounded("name_en", input, 200, &[]).map(Self)
    }

    pub fn parse_chinese(input: &str) -> CoreResult<Self> {
        bounded("name_zh", input, 100, &[]).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A postal address, up to 500 characters; line breaks separate its lines.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PostalAddress(String);

impl PostalAddress {
    pub const FIELD: &'static str = "postal_address";

    pub fn parse(input: &str) -> CoreResult<Self> {
        bounded(Self::FIELD, input, 500, &['\n']).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! shown_as_text {
    ($($t:ty),+) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$t> for String {
            fn from(value: $t) -> String {
                value.0
            }
        }
    )+};
}
shown_as_text!(MobileNumber, EmailAddress, PersonName, PostalAddress);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_are_kept_in_international_form() {
        let parsed = |s| MobileNumber::parse(s).expect(s).as_str().to_owned();
        assert_eq!(parsed("9123 4567"), "+85291234567");
        assert_eq!(parsed("+852-9123-4567"), "+85291234567");
        assert_eq!(parsed("+44 7700 900123"), "+447700900123");
        for bad in [
            "",
            "12345",
            "+12",
            "call me",
            "+852 9123 456a",
            "+1234567890123456",
        ] {
            let e = MobileNumber::parse(bad).expect_err(bad);
            assert_eq!(e.field(), Some("mobile"));
        }
    }

    #[test]
    fn mobiles_match_calling_codes_by_prefix() {
        let hk = MobileNumber::parse("+852 9123 4567").expect("hk");
        assert!(hk.in_countries(&["853".into(), "+852".into()]));
        assert!(!hk.in_countries(&["44".into()]));
        assert!(!hk.in_countries(&[]));
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert_eq!(
            EmailAddress::parse(" a@b.hk ").expect("ok").as_str(),
            "a@b.hk"
        );
        for bad in [
            "",
            "a",
            "a@",
            "@b.hk",
            "a@b",
            "a b@c.hk",
            "a@.hk",
            "a@b.hk.",
            "a@b@c.hk",
            "not-an-email",
            "a\u{0}@b.hk",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_and_addresses_are_bounded_and_free_of_controls() {
        assert_eq!(
            PersonName::parse_chinese(" 黃小明 ").expect("ok").as_str(),
            "黃小明"
        );
        assert!(PersonName::parse_chinese(&"黃".repeat(100)).is_ok());
        let long = PersonName::parse_chinese(&"黃".repeat(101)).expect_err("long");
        assert_eq!(long.field(), Some("name_zh"));
        assert!(PersonName::parse_english(&"A".repeat(201)).is_err());
        assert!(PersonName::parse_english("  ").is_err());
        assert!(PersonName::parse_english("WONG\u{202E}gnim").is_err());
        assert!(PersonName::parse_english("WONG\nSiu").is_err());
        assert!(PostalAddress::parse("1 Queen's Road\nCentral").is_ok());
        assert!(PostalAddress::parse(&"街".repeat(30_000)).is_err());
        assert!(PostalAddress::parse("Flat A\u{0}").is_err());
    }
}
