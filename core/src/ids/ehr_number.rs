//! eHR number: 12 digits allocated at random, the last a Luhn check digit.

use std::fmt;

use rand::Rng;

use super::{digits_only, luhn};
use crate::error::CoreError;

const FIELD: &str = "ehr_number";

/// A valid eHR number; canonical form is 12 digits, shown grouped `1234 5678 9012`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EhrNumber(String);

impl EhrNumber {
    pub fn parse(input: &str) -> Result<Self, CoreError> {
        let digits = digits_only(FIELD, input, 12)?;
        if !luhn::is_valid(&digits) {
            return Err(CoreError::invalid(FIELD, "check digit does not match"));
        }
        Ok(Self(digits))
    }

    /// A fresh random number (never sequential, so one number says nothing of another).
    /// The first digit is never 0 so that the number never loses a digit in a spreadsheet.
    pub fn random<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let first = rng.gen_range(1..=9u8);
        let mut payload = first.to_string();
        for _ in 0..10 {
            payload.push(char::from(b'0' + rng.gen_range(0..=9u8)));
        }
        let check = luhn::check_digit(&payload);
        payload.push(char::from(b'0' + check));
        Self(payload)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EhrNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.0;
        write!(f, "{} {} {}", &s[0..4], &s[4..8], &s[8..12])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_numbers_are_valid_distinct_and_round_trip() {
        let mut rng = rand::thread_rng();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2_000 {
            let n = EhrNumber::random(&mut rng);
            assert_eq!(EhrNumber::parse(&n.to_string()).expect("grouped"), n);
            assert_eq!(EhrNumber::parse(n.as_str()).expect("plain"), n);
            seen.insert(n);
        }
        assert!(seen.len() > 1_990, "random allocation collides too often");
    }

    #[test]
    fn refuses_a_wrong_check_digit() {
        let n = EhrNumber::random(&mut rand::thread_rng());
        let (body, check) = n.as_str().split_at(11);
        for d in 0..10u8 {
            let candidate = format!("{body}{d}");
            assert_eq!(
                EhrNumber::parse(&candidate).is_ok(),
                candidate.ends_with(check)
            );
        }
    }

    #[test]
    fn refuses_wrong_lengths_and_letters() {
        for s in [
            "",
            "1234",
            "1234 5678 901",
            "1234 5678 90123",
            "1234 5678 901X",
        ] {
            assert_eq!(
                EhrNumber::parse(s).expect_err(s).field(),
                Some("ehr_number")
            );
        }
    }
}
