//! Times as the practice reads them: in its own time zone, written the way
//! people write them ("Fri 4 Dec 2026, 14:05 CST"), never as the UTC
//! instant the database keeps. Each page asks the practice's [`Zone`] to
//! write a time, so no page can forget the zone.
//!
//! The zone database is jiff's bundled copy of the IANA database, so every
//! machine shows the same times whatever it has installed.

use jiff::{Timestamp, Zoned, tz::TimeZone};
use time::{Date, Month, OffsetDateTime};

/// A practice's time zone: an IANA name (`America/Chicago`) and its rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    name: String,
    rules: TimeZone,
}

impl Zone {
    /// The zone named `name` in the IANA database, if there is one. Only
    /// canonical names and their links are known; abbreviations such as
    /// `CST` (which mean different things in different places) are not.
    pub fn named(name: &str) -> Option<Zone> {
        let rules = jiff::tz::db().get(name).ok()?;
        let name = rules.iana_name().unwrap_or(name).to_owned();
        Some(Zone { name, rules })
    }

    pub fn utc() -> Zone {
        Zone {
            name: "UTC".to_owned(),
            rules: TimeZone::UTC,
        }
    }

    /// The IANA name, as stored and as PostgreSQL's `AT TIME ZONE` takes it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every zone a practice may choose, sorted by name.
    pub fn choices() -> Vec<String> {
        let mut names: Vec<String> = jiff::tz::db()
            .available()
            .map(|name| name.as_str().to_owned())
            .filter(|name| name == "UTC" || name.contains('/') && !name.starts_with("Etc/"))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    fn at(&self, at: OffsetDateTime) -> Zoned {
        let instant = Timestamp::new(at.unix_timestamp(), at.nanosecond() as i32)
            .unwrap_or(Timestamp::UNIX_EPOCH);
        instant.to_zoned(self.rules.clone())
    }

    /// `at` in this zone, written by a strftime `format` (jiff's).
    pub fn format(&self, at: OffsetDateTime, format: &str) -> String {
        self.at(at).strftime(format).to_string()
    }

    /// The name, for PostgreSQL's `AT TIME ZONE '…'` where a statement
    /// cannot bind it: only a zone name's characters, or UTC.
    pub fn sql_name(&self) -> &str {
        let plain = |c: char| c.is_ascii_alphanumeric() || "_+-/".contains(c);
        if !self.name.is_empty() && self.name.chars().all(plain) {
            &self.name
        } else {
            "UTC"
        }
    }

    /// "Fri 4 Dec 2026, 14:05 CST": a time to the minute.
    pub fn minute(&self, at: OffsetDateTime) -> String {
        self.format(at, "%a %-d %b %Y, %H:%M %Z")
    }

    /// "Fri 4 Dec 2026, 14:05:09 CST": a time to the second, as the trail
    /// shows its events.
    pub fn second(&self, at: OffsetDateTime) -> String {
        self.format(at, "%a %-d %b %Y, %H:%M:%S %Z")
    }

    /// "14:05": the time of day, where the day and zone are said once
    /// around it.
    pub fn clock(&self, at: OffsetDateTime) -> String {
        self.format(at, "%H:%M")
    }

    /// "14:05:09 CST", for "Saved at …".
    pub fn clock_seconds(&self, at: OffsetDateTime) -> String {
        self.format(at, "%H:%M:%S %Z")
    }

    /// The practice's calendar day `at` falls on.
    pub fn date_of(&self, at: OffsetDateTime) -> Date {
        let day = self.at(at).date();
        Month::try_from(day.month() as u8)
            .ok()
            .and_then(|month| {
                Date::from_calendar_date(day.year().into(), month, day.day() as u8).ok()
            })
            .unwrap_or(at.date())
    }

    /// Today, in the practice.
    pub fn today(&self) -> Date {
        self.date_of(OffsetDateTime::now_utc())
    }

    /// The instant the practice's day `date` begins (its first moment, as
    /// a day starting at a daylight-saving change has no midnight).
    pub fn start_of(&self, date: Date) -> OffsetDateTime {
        jiff::civil::Date::new(
            date.year() as i16,
            u8::from(date.month()) as i8,
            date.day() as i8,
        )
        .and_then(|day| day.to_zoned(self.rules.clone()))
        .ok()
        .and_then(|start| OffsetDateTime::from_unix_timestamp(start.timestamp().as_second()).ok())
        .unwrap_or(date.midnight().assume_utc())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn chicago() -> Zone {
        Zone::named("America/Chicago").expect("a known zone")
    }

    #[test]
    fn a_time_is_written_in_the_practice_zone_with_its_abbreviation() {
        let at = datetime!(2026-12-04 20:37:13 UTC);
        assert_eq!(chicago().minute(at), "Fri 4 Dec 2026, 14:37 CST");
        assert_eq!(chicago().second(at), "Fri 4 Dec 2026, 14:37:13 CST");
        assert_eq!(chicago().clock(at), "14:37");
        assert_eq!(chicago().clock_seconds(at), "14:37:13 CST");
        assert_eq!(Zone::utc().minute(at), "Fri 4 Dec 2026, 20:37 UTC");
        // Summer time is the zone's business, not the page's.
        assert_eq!(
            chicago().minute(datetime!(2026-07-01 17:00 UTC)),
            "Wed 1 Jul 2026, 12:00 CDT"
        );
    }

    #[test]
    fn the_day_is_the_practice_day_not_the_utc_day() {
        // 03:30 UTC on the 5th is still the evening of the 4th in Chicago.
        let evening = datetime!(2026-12-05 03:30 UTC);
        assert_eq!(chicago().date_of(evening), date!(2026 - 12 - 04));
        assert_eq!(Zone::utc().date_of(evening), date!(2026 - 12 - 05));
        let auckland = Zone::named("Pacific/Auckland").expect("a known zone");
        assert_eq!(
            auckland.date_of(datetime!(2026-12-04 12:00 UTC)),
            date!(2026 - 12 - 05)
        );
    }

    #[test]
    fn a_day_starts_at_the_practice_midnight() {
        assert_eq!(
            chicago().start_of(date!(2026 - 12 - 04)),
            datetime!(2026-12-04 06:00 UTC)
        );
        assert_eq!(
            Zone::utc().start_of(date!(2026 - 12 - 04)),
            datetime!(2026-12-04 00:00 UTC)
        );
    }

    #[test]
    fn only_real_zone_names_are_known() {
        assert!(Zone::named("Europe/Berlin").is_some());
        assert_eq!(
            Zone::named("UTC").map(|z| z.name().to_owned()),
            Some("UTC".to_owned())
        );
        for unknown in ["", "CST-ish", "Mars/Olympus_Mons", "../../etc/passwd"] {
            assert!(Zone::named(unknown).is_none(), "{unknown:?}");
        }
        let choices = Zone::choices();
        assert!(choices.contains(&"America/Chicago".to_owned()));
        assert!(choices.contains(&"UTC".to_owned()));
        assert!(choices.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
