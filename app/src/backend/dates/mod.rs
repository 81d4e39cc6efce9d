//! Dates and times as Cairn reads and writes them: `YYYY-MM-DD` days typed
//! into forms (checked, with the message next to the field), and times in
//! the practice's own zone ([`Zone`]). One place, so every page writes a
//! day the same way and no records module has to reach into another for it.
//!
//! A leaf: it uses nothing of the backend but form errors.

mod zone;

pub use zone::Zone;

use crate::error::FieldErrors;
use time::{Date, OffsetDateTime, macros::format_description};

/// `YYYY-MM-DD` as a date.
pub fn parse_day(text: &str) -> Option<Date> {
    Date::parse(text, format_description!("[year]-[month]-[day]")).ok()
}

/// A day as typed in `field`, between `first` and `latest`, with the
/// message next to the field when it is not.
pub fn check_day(
    errors: &mut FieldErrors,
    field: &str,
    typed: &str,
    what: &str,
    first: Date,
    latest: Date,
) -> Option<Date> {
    let typed = typed.trim();
    let date = parse_day(typed);
    match date {
        None if typed.is_empty() => errors.add(field, format!("Enter the {what} date.")),
        None => errors.add(
            field,
            format!("Enter the {what} date as YYYY-MM-DD, for example 2026-03-14."),
        ),
        Some(d) if d > latest => errors.add(
            field,
            format!("The {what} date cannot be after {}.", day(latest)),
        ),
        Some(d) if d < first => errors.add(
            field,
            format!("The {what} date cannot be before {}.", day(first)),
        ),
        Some(_) => return date,
    }
    None
}

/// `YYYY-MM-DD`: as forms take a day, and as the vault seals one.
pub fn day(date: Date) -> String {
    date.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// `YYYY-MM-DD HH:MM:SS` in UTC: for files other programs read (the
/// access log's CSV), never for a page.
pub fn utc(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap_or_default()
}

/// "Friday 4 December 2026": a day as people write it.
pub fn long_day(date: Date) -> String {
    date.format(format_description!(
        "[weekday] [day padding:none] [month repr:long] [year]"
    ))
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn a_day_reads_back_as_it_is_written() {
        let written = day(date!(2026 - 03 - 04));
        assert_eq!(written, "2026-03-04");
        assert_eq!(parse_day(&written), Some(date!(2026 - 03 - 04)));
        assert_eq!(parse_day("2026-3-4"), None);
        assert_eq!(parse_day("04/03/2026"), None);
    }

    #[test]
    fn days_and_times_read_as_people_write_them() {
        assert_eq!(long_day(date!(2026 - 12 - 04)), "Friday 4 December 2026");
        assert_eq!(long_day(date!(2027 - 01 - 11)), "Monday 11 January 2027");
    }

    #[test]
    fn a_day_outside_its_range_is_named_next_to_the_field() {
        let (first, latest) = (date!(2020 - 01 - 01), date!(2026 - 12 - 04));
        let mut errors = FieldErrors::new();
        assert_eq!(
            check_day(&mut errors, "onset", " 2024-05-06 ", "onset", first, latest),
            Some(date!(2024 - 05 - 06))
        );
        assert!(errors.is_empty());
        assert_eq!(
            check_day(&mut errors, "onset", "2027-01-01", "onset", first, latest),
            None
        );
        assert_eq!(
            errors.get("onset"),
            Some("The onset date cannot be after 2026-12-04.")
        );
    }

    #[test]
    fn files_take_utc_to_the_second() {
        let at = datetime!(2026-12-04 20:37:13 -6);
        assert_eq!(utc(at), "2026-12-05 02:37:13");
    }
}
