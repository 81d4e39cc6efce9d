//! Postal codes, checked by country where Cairn knows the format.

/// The postal code `typed` for `country`, written the usual way (upper
/// case, the space or hyphen where it belongs), or why it is refused: for
/// the countries whose format Cairn knows it is required and of that
/// shape; elsewhere up to 12 letters, digits, spaces and hyphens.
pub fn postal_code(country: &str, typed: &str) -> Result<String, String> {
    let compact: String = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect::<String>()
        .to_uppercase();
    // Shapes of the compact code ('9' a digit, 'A' a letter, 'X' either)
    // and where the separator goes, counted from the end.
    let (shapes, split, example): (&[&str], Option<(usize, char)>, &str) = match country {
        "US" => (&["99999", "999999999"], None, "12345 or 12345-6789"),
        "CA" => (&["A9A9A9"], Some((3, ' ')), "K1A 0B1"),
        "GB" => (
            &["A99AA", "A999AA", "AA99AA", "AA999AA", "A9A9AA", "AA9A9AA"],
            Some((3, ' ')),
            "SW1A 1AA",
        ),
        "IE" => (&["A9XXXXX"], Some((4, ' ')), "D02 X285"),
        "AU" | "NZ" => (&["9999"], None, "2000"),
        "NL" => (&["9999AA"], Some((2, ' ')), "1012 AB"),
        "DE" | "FR" | "ES" | "IT" | "MX" => (&["99999"], None, "10115"),
        _ => {
            let fine = typed.chars().count() <= 12
                && typed
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-'));
            return if fine {
                Ok(typed.trim().to_uppercase())
            } else {
                Err("At most 12 letters, digits, spaces and hyphens.".to_owned())
            };
        }
    };
    let fits = |shape: &&str| {
        shape.len() == compact.len()
            && shape.chars().zip(compact.chars()).all(|(s, c)| match s {
                '9' => c.is_ascii_digit(),
                'A' => c.is_ascii_uppercase(),
                _ => c.is_ascii_alphanumeric(),
            })
    };
    if compact.is_empty() || !shapes.iter().any(fits) {
        return Err(format!("Enter a postal code like {example}."));
    }
    Ok(match (country, split) {
        ("US", _) if compact.len() == 9 => format!("{}-{}", &compact[..5], &compact[5..]),
        (_, Some((from_end, separator))) => {
            let at = compact.len() - from_end;
            format!("{}{separator}{}", &compact[..at], &compact[at..])
        }
        _ => compact,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postal_codes_are_checked_where_the_format_is_known() {
        let ok = |country, typed, want: &str| {
            assert_eq!(
                postal_code(country, typed).as_deref(),
                Ok(want),
                "{country} {typed}"
            );
        };
        ok("US", "62704", "62704");
        ok("US", "62704 1234", "62704-1234");
        ok("CA", "k1a0b1", "K1A 0B1");
        ok("GB", "sw1a 1aa", "SW1A 1AA");
        ok("GB", "M1 1AE", "M1 1AE");
        ok("IE", "D02X285", "D02 X285");
        ok("NL", "1012ab", "1012 AB");
        ok("DE", "10115", "10115");
        ok("AU", "2000", "2000");
        for (country, typed) in [
            ("US", "6270"),
            ("US", "ABCDE"),
            ("CA", "123 456"),
            ("GB", "SW1A"),
            ("DE", "1011"),
            ("NL", "AB 1012"),
            ("US", ""),
        ] {
            let refused = postal_code(country, typed).expect_err("refused");
            assert!(
                refused.starts_with("Enter a postal code like"),
                "{country} {typed}"
            );
        }
        // Elsewhere: sane characters and length only.
        assert_eq!(postal_code("ZZ", "ab-12").as_deref(), Ok("AB-12"));
        assert!(postal_code("ZZ", "<script>").is_err());
        assert!(postal_code("ZZ", "1234567890123").is_err());
    }
}
