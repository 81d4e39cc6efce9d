//! How long the practice keeps a record, and its end: which records have
//! reached the end of their retention, legal holds that keep one longer,
//! and erasure (crypto-shredding: the patient's data keys destroyed, every
//! row about them removed, a tombstone left).
//!
//! A record is kept for the practice's period after its last activity
//! ([`activity`]); a minor's until they reach the age of majority and the
//! period after that, if that is later ([`kept_until`]). The date of birth
//! is sealed, so the day a record is kept until is worked out by opening
//! it through an access the policy gives administrators and the operator's
//! commands alone (`Reach::Retention`), recorded like any other read.

pub mod activity;
pub mod erase;
pub mod holds;
pub mod operator;
pub mod requests;
pub mod review;

use crate::backend::practice_settings::Retention;
use time::{Date, Month};

/// The day a record is kept until: `retention.years` after its last
/// activity, or after the day the patient (born `born`) reaches the age
/// of majority when that is later.
pub fn kept_until(last_activity: Date, born: Date, retention: Retention) -> Date {
    let majority = years_after(born, retention.age_of_majority);
    years_after(last_activity.max(majority), retention.years)
}

/// Whether the patient was still a minor at the last activity (so the
/// record is kept longer than the period alone would).
pub fn kept_as_minor(last_activity: Date, born: Date, retention: Retention) -> bool {
    years_after(born, retention.age_of_majority) > last_activity
}

/// The same day `years` later; 29 February becomes 28 February in a year
/// that has none.
pub fn years_after(day: Date, years: i32) -> Date {
    let year = day.year().saturating_add(years);
    Date::from_calendar_date(year, day.month(), day.day())
        .or_else(|_| Date::from_calendar_date(year, Month::February, 28))
        .unwrap_or(Date::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const SEVEN_AND_EIGHTEEN: Retention = Retention {
        years: 7,
        age_of_majority: 18,
    };

    #[test]
    fn an_adult_s_record_is_kept_the_period_after_the_last_activity() {
        let kept = kept_until(
            date!(2018 - 03 - 14),
            date!(1980 - 01 - 01),
            SEVEN_AND_EIGHTEEN,
        );
        assert_eq!(kept, date!(2025 - 03 - 14));
        assert!(!kept_as_minor(
            date!(2018 - 03 - 14),
            date!(1980 - 01 - 01),
            SEVEN_AND_EIGHTEEN
        ));
    }

    #[test]
    fn a_minor_s_record_is_kept_the_period_after_they_come_of_age() {
        // Last seen at 12: kept until 18, then seven years more.
        let born = date!(2010 - 06 - 01);
        let kept = kept_until(date!(2022 - 06 - 01), born, SEVEN_AND_EIGHTEEN);
        assert_eq!(kept, date!(2035 - 06 - 01));
        assert!(kept_as_minor(
            date!(2022 - 06 - 01),
            born,
            SEVEN_AND_EIGHTEEN
        ));
        // Seen again as an adult: the period counts from then.
        let later = kept_until(date!(2030 - 01 - 01), born, SEVEN_AND_EIGHTEEN);
        assert_eq!(later, date!(2037 - 01 - 01));
        // Another state's age of majority.
        let nineteen = Retention {
            age_of_majority: 19,
            ..SEVEN_AND_EIGHTEEN
        };
        assert_eq!(
            kept_until(date!(2022 - 06 - 01), born, nineteen),
            date!(2036 - 06 - 01)
        );
    }

    #[test]
    fn a_leap_day_lands_on_the_last_of_february() {
        assert_eq!(years_after(date!(2024 - 02 - 29), 1), date!(2025 - 02 - 28));
        assert_eq!(years_after(date!(2024 - 02 - 29), 4), date!(2028 - 02 - 29));
    }
}
