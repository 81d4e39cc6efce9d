//! Calendar days as people read them. Days cross the wire as `YYYY-MM-DD`
//! (what a date field takes and gives back); pages show them as
//! "4 Dec 2026" through [`readable`], in the browser and on the server
//! alike, so a form's value and the text beside it never disagree.

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "4 Dec 2026" for `2026-12-04`; anything that is not such a day is shown
/// as it is (an empty field stays empty).
pub fn readable(iso: &str) -> String {
    let mut parts = iso.splitn(3, '-');
    let (Some(year), Some(month), Some(day)) = (parts.next(), parts.next(), parts.next()) else {
        return iso.to_owned();
    };
    let month = month
        .parse::<usize>()
        .ok()
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)));
    match (year.len(), month, day.parse::<u8>()) {
        (4, Some(month), Ok(day)) if day.to_string().len() <= 2 && day > 0 => {
            format!("{day} {month} {year}")
        }
        _ => iso.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::readable;

    #[test]
    fn a_day_reads_as_people_write_it() {
        assert_eq!(readable("2026-12-04"), "4 Dec 2026");
        assert_eq!(readable("1990-03-14"), "14 Mar 1990");
        for not_a_day in [
            "",
            "2026-13-01",
            "2026-00-10",
            "12/04/2026",
            "2026-12",
            "2026-12-00",
        ] {
            assert_eq!(readable(not_a_day), not_a_day);
        }
    }
}
