//! When a sharing consent is in force. Dates are Hong Kong local dates: a one-year consent
//! given at 10:15 on 3 March expires at 10:15 local time on 3 March the next year, and one
//! given on 29 February expires on 28 February.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc};

use crate::domain::{ConsentStatus, ConsentType};
use crate::hong_kong_time::{hong_kong_time, HONG_KONG};

/// Days before expiry at which the holder of a one-year consent is reminded.
pub const REMINDER_DAYS: i64 = 30;

pub fn one_year_expiry(given_at: DateTime<Utc>) -> DateTime<Utc> {
    let local = hong_kong_time(given_at);
    let date = local.date_naive();
    let next_year = date.year() + 1;
    let target = NaiveDate::from_ymd_opt(next_year, date.month(), date.day())
        .or_else(|| NaiveDate::from_ymd_opt(next_year, date.month(), date.day() - 1))
        .unwrap_or(date);
    let naive = target.and_time(local.time());
    match HONG_KONG.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        // Hong Kong has had no daylight saving since 1979; should a gap ever reappear, the
        // same instant a year of 365 days later is the closest honest answer.
        LocalResult::None => given_at + Duration::days(365),
    }
}

pub fn expiry_for(kind: ConsentType, given_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match kind {
        ConsentType::OneYear => Some(one_year_expiry(given_at)),
        ConsentType::Indefinite | ConsentType::Deemed => None,
    }
}

/// A consent counts only while active and before its expiry (the expiry instant itself is
/// already outside).
pub fn consent_in_force(
    status: ConsentStatus,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    status == ConsentStatus::Active && expires_at.is_none_or(|e| now < e)
}

pub fn reminder_due(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now < expires_at && now >= expires_at - Duration::days(REMINDER_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hk(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        HONG_KONG
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("valid HK time")
            .with_timezone(&Utc)
    }

    #[test]
    fn one_year_is_the_same_local_date_and_time() {
        assert_eq!(
            one_year_expiry(hk(2026, 3, 3, 10, 15)),
            hk(2027, 3, 3, 10, 15)
        );
    }

    #[test]
    fn twenty_ninth_of_february_gives_twenty_eighth() {
        assert_eq!(
            one_year_expiry(hk(2028, 2, 29, 9, 0)),
            hk(2029, 2, 28, 9, 0)
        );
    }

    #[test]
    fn the_local_date_counts_not_the_utc_date() {
        // 00:30 on 1 March in Hong Kong is still 28 February in UTC.
        let given = hk(2027, 3, 1, 0, 30);
        assert_eq!(given.date_naive().day(), 28);
        assert_eq!(one_year_expiry(given), hk(2028, 3, 1, 0, 30));
    }

    #[test]
    fn in_force_until_the_expiry_instant() {
        let given = hk(2026, 1, 10, 8, 0);
        let expires = expiry_for(ConsentType::OneYear, given);
        let just_before = hk(2027, 1, 10, 7, 59);
        assert!(consent_in_force(
            ConsentStatus::Active,
            expires,
            just_before
        ));
        assert!(!consent_in_force(
            ConsentStatus::Active,
            expires,
            hk(2027, 1, 10, 8, 0)
        ));
        assert!(!consent_in_force(ConsentStatus::Revoked, None, given));
        assert!(!consent_in_force(ConsentStatus::Superseded, None, given));
        assert!(consent_in_force(
            ConsentStatus::Active,
            None,
            hk(2099, 1, 1, 0, 0)
        ));
        assert_eq!(expiry_for(ConsentType::Indefinite, given), None);
        assert_eq!(expiry_for(ConsentType::Deemed, given), None);
    }

    #[test]
    fn reminder_window_is_the_last_thirty_days() {
        let expires = hk(2027, 6, 30, 12, 0);
        assert!(!reminder_due(expires, hk(2027, 5, 31, 11, 59)));
        assert!(reminder_due(expires, hk(2027, 5, 31, 12, 0)));
        assert!(reminder_due(expires, hk(2027, 6, 30, 11, 59)));
        assert!(!reminder_due(expires, expires));
    }
}
