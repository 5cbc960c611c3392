//! Healthcare provider (HCP) id: 9 digits, the last a Luhn check digit, so it can be
//! keyed on a phone pad.

use std::fmt;

use super::{digits_only, luhn};
use crate::error::CoreError;

const FIELD: &str = "hcp_id";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProviderId(String);

impl ProviderId {
    pub fn parse(input: &str) -> Result<Self, CoreError> {
        let digits = digits_only(FIELD, input, 9)?;
        if !luhn::is_valid(&digits) {
            return Err(CoreError::invalid(FIELD, "check digit does not match"));
        }
        Ok(Self(digits))
    }

    /// Builds the id whose first eight digits are `serial` (zero-padded).
    pub fn from_serial(serial: u32) -> Result<Self, CoreError> {
        if serial >= 100_000_000 {
            return Err(CoreError::invalid(
                FIELD,
                "serial must have at most 8 digits",
            ));
        }
        let payload = format!("{serial:08}");
        let check = luhn::check_digit(&payload);
        Ok(Self(format!("{payload}{check}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_round_trip_and_only_the_right_check_digit_passes() {
        for serial in [1, 42, 1_000_001, 99_999_999] {
            let id = ProviderId::from_serial(serial).expect("serial");
            let (body, check) = id.as_str().split_at(8);
            for d in 0..10u8 {
                let candidate = format!("{body}{d}");
                assert_eq!(
                    ProviderId::parse(&candidate).is_ok(),
                    candidate.ends_with(check)
                );
            }
        }
    }

    #[test]
    fn refuses_wrong_shapes() {
        for s in ["", "12345678", "1234567890", "12345678a"] {
            assert_eq!(ProviderId::parse(s).expect_err(s).field(), Some("hcp_id"));
        }
        assert!(ProviderId::from_serial(100_000_000).is_err());
    }
}
