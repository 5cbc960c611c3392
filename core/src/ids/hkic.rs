//! Hong Kong Identity Card number: one or two letters, six digits, a check digit.

use std::fmt;

use crate::error::CoreError;

const FIELD: &str = "hkic";

/// A valid HKIC number, held in canonical form `A1234563` and shown as `A123456(3)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hkic(String);

impl Hkic {
    /// Accepts `A123456(3)`, `a123456 (3)`, `A1234563`, `AB987654(A)` and the like.
    pub fn parse(input: &str) -> Result<Self, CoreError> {
        let upper: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let compact = strip_brackets(&upper)?;
        let bytes = compact.as_bytes();
        let letters = bytes.iter().take_while(|b| b.is_ascii_uppercase()).count();
        let well_formed = (1..=2).contains(&letters)
            && bytes.len() == letters + 7
            && bytes[letters..letters + 6].iter().all(u8::is_ascii_digit)
            && matches!(bytes[letters + 6], b'0'..=b'9' | b'A');
        if !well_formed {
            return Err(CoreError::invalid(
                FIELD,
                "must be one or two letters, six digits and a check digit, e.g. A123456(3)",
            ));
        }
        let (body, check) = compact.split_at(letters + 6);
        if check_digit(body) != check.chars().next().unwrap_or(' ') {
            return Err(CoreError::invalid(FIELD, "check digit does not match"));
        }
        Ok(Self(compact))
    }

    /// The number whose body (one or two letters, six digits) is `body`, with its check
    /// digit computed: for synthetic populations (`ehealth bench seed`).
    pub fn with_check_digit(body: &str) -> Result<Self, CoreError> {
        Self::parse(&format!("{body}{}", check_digit(body)))
    }

    /// Canonical form, e.g. `A1234563`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn strip_brackets(s: &str) -> Result<String, CoreError> {
    match (s.find('('), s.find(')')) {
        (None, None) => Ok(s.to_owned()),
        (Some(open), Some(close)) if close == s.len() - 1 && open + 2 == close => {
            Ok(format!("{}{}", &s[..open], &s[open + 1..close]))
        }
        _ => Err(CoreError::invalid(
            FIELD,
            "brackets may only surround the check digit",
        )),
    }
}

fn char_value(c: u8) -> u32 {
    match c {
        b'A'..=b'Z' => u32::from(c - b'A') + 10,
        b'0'..=b'9' => u32::from(c - b'0'),
        _ => 36, // the implied leading space of a single-letter prefix
    }
}

/// The check character for a body of one or two letters and six digits.
pub(crate) fn check_digit(body: &str) -> char {
    let padded = if body.len() == 7 {
        format!(" {body}")
    } else {
        body.to_owned()
    };
    let sum: u32 = padded
        .bytes()
        .zip((2..=9).rev())
        .map(|(c, weight)| char_value(c) * weight)
        .sum();
    match 11 - sum % 11 {
        10 => 'A',
        11 => '0',
        // `d` is 1..=9 here (10 and 11 are matched above), so it is always a digit.
        d => char::from_digit(d, 10).unwrap_or('0'),
    }
}

impl fmt::Display for Hkic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (body, check) = self.0.split_at(self.0.len() - 1);
        write!(f, "{body}({check})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHECKS: [char; 11] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A'];

    #[test]
    fn with_check_digit_completes_a_body() {
        assert_eq!(
            Hkic::with_check_digit("A123456").expect("valid").as_str(),
            "A1234563"
        );
        assert_eq!(
            Hkic::with_check_digit("G123456").expect("valid").as_str(),
            "G123456A"
        );
        assert!(Hkic::with_check_digit("A12345").is_err());
    }

    #[test]
    fn worked_example_from_the_spec() {
        let id = Hkic::parse("A123456(3)").expect("valid");
        assert_eq!(id.as_str(), "A1234563");
        assert_eq!(id.to_string(), "A123456(3)");
    }

    #[test]
    fn accepts_every_spelling_of_the_same_number() {
        for s in [
            "A123456(3)",
            "a123456(3)",
            "A1234563",
            " a 123456 (3) ",
            "A123456 3",
        ] {
            assert_eq!(Hkic::parse(s).expect(s).as_str(), "A1234563", "{s}");
        }
    }

    /// For each body, exactly one of the eleven possible check characters is accepted,
    /// and it is the one computed independently here.
    fn exactly_one_check_accepted(body: &str, expected: char) {
        for c in CHECKS {
            let result = Hkic::parse(&format!("{body}({c})"));
            assert_eq!(result.is_ok(), c == expected, "{body}({c})");
        }
    }

    #[test]
    fn single_letter_prefixes_accept_only_the_right_check_digit() {
        // Computed by hand: space=36*9, letter*8, digits*7..2.
        exactly_one_check_accepted("A123456", '3');
    }

    #[test]
    fn check_digit_table() {
        // Bodies whose check characters were worked out by hand from the mod-11 rule.
        // A123456: 324+80+7+12+15+16+15+12 = 481, 481 mod 11 = 8, 11-8 = 3.
        // G123456: 324+16*8=128 -> 529 mod 11 = 1 -> 10 -> 'A'.
        // Z000000: 324+35*8=280 -> 604 mod 11 = 10 -> 1.
        // AB987654: 10*9+11*8+9*7+8*6+7*5+6*4+5*3+4*2 = 90+88+63+48+35+24+15+8 = 371,
        //           371 mod 11 = 8 -> 3.
        // XA000000: 33*9+10*8 = 297+80 = 377, 377 mod 11 = 3 -> 8.
        // B000006: 324+88+12 = 424, 424 mod 11 = 6 -> 5.
        // K000004: 324+20*8=160+8 = 492, 492 mod 11 = 8 -> 3.
        // M000006: 324+22*8=176+12 = 512, 512 mod 11 = 6 -> 5.
        // P000007: 324+25*8=200+14=538, 538 mod 11 = 10 -> 1.
        // A000010: 324+80+2*... digits 0,0,0,0,1,0: 1*3 = 3 -> 407 mod 11 = 0 -> 11 -> '0'.
        let table = [
            ("A123456", '3'),
            ("G123456", 'A'),
            ("Z000000", '1'),
            ("AB987654", '3'),
            ("XA000000", '8'),
            ("B000006", '5'),
            ("K000004", '3'),
            ("M000006", '5'),
            ("P000007", '1'),
            ("A000010", '0'),
        ];
        for (body, expected) in table {
            assert_eq!(check_digit(body), expected, "{body}");
            exactly_one_check_accepted(body, expected);
        }
    }

    #[test]
    fn every_check_character_occurs_and_is_enforced() {
        // Sweep many bodies: each is accepted with its own check and refused with the ten
        // others, and all eleven check characters (0-9 and A) turn up.
        let mut seen = std::collections::BTreeSet::new();
        for prefix in ["A", "Z", "AB", "WX"] {
            for n in (0..1_000_000u32).step_by(7919) {
                let body = format!("{prefix}{n:06}");
                let expected = check_digit(&body);
                seen.insert(expected);
                exactly_one_check_accepted(&body, expected);
            }
        }
        assert_eq!(seen.len(), 11, "{seen:?}");
    }

    #[test]
    fn refuses_malformed_numbers() {
        for s in [
            "",
            "123456(3)",
            "ABC123456(3)",
            "A12345(3)",
            "A1234567(3)",
            "A123456(B)",
            "A123456(33)",
            "A(123456)3",
            "A123456(3",
            "1A23456(3)",
            "A12345X(3)",
        ] {
            let err = Hkic::parse(s).expect_err(s);
            assert_eq!(err.field(), Some("hkic"), "{s}");
        }
    }
}
