//! Hong Kong time, the one clock the platform speaks: consent expiries, registration
//! dates, ages, letters' dates, what callers hear and patients read. One zone (the tz
//! database's `Asia/Hong_Kong`) for every crate, so a fixed +8 in one place and the zone
//! in another cannot drift apart should the rules ever change.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// The zone itself, for turning a Hong Kong wall-clock time back into an instant.
pub const HONG_KONG: Tz = chrono_tz::Asia::Hong_Kong;

/// A moment as read on a Hong Kong clock.
pub type HongKongTime = DateTime<Tz>;

/// `at` on a Hong Kong clock.
pub fn hong_kong_time(at: DateTime<Utc>) -> HongKongTime {
    at.with_timezone(&HONG_KONG)
}

/// The Hong Kong date at `at`: ages, birthdays and registration days count in it.
pub fn hong_kong_date(at: DateTime<Utc>) -> NaiveDate {
    hong_kong_time(at).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_hong_kong_day_starts_at_16_00_utc() {
        let before = Utc.with_ymd_and_hms(2027, 6, 30, 15, 59, 59).single();
        let after = Utc.with_ymd_and_hms(2027, 6, 30, 16, 0, 0).single();
        let (Some(before), Some(after)) = (before, after) else {
            panic!("valid instants")
        };
        assert_eq!(
            hong_kong_date(before),
            NaiveDate::from_ymd_opt(2027, 6, 30).unwrap()
        );
        assert_eq!(
            hong_kong_date(after),
            NaiveDate::from_ymd_opt(2027, 7, 1).unwrap()
        );
        assert_eq!(hong_kong_time(after).format("%H:%M").to_string(), "00:00");
    }
}
