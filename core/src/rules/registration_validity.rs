//! Dates of a provider's life and of a professional's registration are Hong Kong dates: a
//! registration "valid until 30 June" is valid all of 30 June in Hong Kong, and a change
//! "effective 1 July" applies from 00:00 on 1 July in Hong Kong (16:00 UTC on 30 June).

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::hong_kong_time::hong_kong_date;

/// A professional may act through the last day of their registration. An account whose
/// expiry was never recorded (created before issue 16) is not refused on that ground.
pub fn registration_valid(expires_on: Option<NaiveDate>, now: DateTime<Utc>) -> bool {
    expires_on.is_none_or(|last_day| hong_kong_date(now) <= last_day)
}

/// The expiry dates whose `days`-before reminder is due at `now`: from today to `days`
/// ahead (a sweep that missed a day still reminds).
pub fn reminder_window(now: DateTime<Utc>, days: u32) -> (NaiveDate, NaiveDate) {
    let today = hong_kong_date(now);
    (today, today + Duration::days(i64::from(days)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn the_hong_kong_date_turns_at_midnight_local_time() {
        assert_eq!(
            hong_kong_date(at("2026-06-30T15:59:59Z")),
            day("2026-06-30")
        );
        assert_eq!(
            hong_kong_date(at("2026-06-30T16:00:00Z")),
            day("2026-07-01")
        );
    }

    #[test]
    fn a_registration_is_valid_through_its_last_day_in_hong_kong() {
        let last = Some(day("2026-06-30"));
        assert!(registration_valid(last, at("2026-06-30T15:59:59Z")));
        assert!(!registration_valid(last, at("2026-06-30T16:00:00Z")));
        assert!(registration_valid(None, at("2030-01-01T00:00:00Z")));
    }

    #[test]
    fn the_reminder_window_runs_from_today_for_the_configured_days() {
        let (from, until) = reminder_window(at("2026-06-30T16:00:00Z"), 30);
        assert_eq!((from, until), (day("2026-07-01"), day("2026-07-31")));
    }
}
