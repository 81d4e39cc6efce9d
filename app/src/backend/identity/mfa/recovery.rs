//! Recovery codes: ten single-use codes a person keeps in case they lose
//! their authenticator. Shown once; stored only as argon2id hashes (they are
//! short enough that a fast hash could be brute-forced from a stolen table).

use rand::Rng;

/// How many codes a person gets at a time.
pub const COUNT: usize = 10;
/// Letters and digits nobody confuses when reading them back (no 0/o, 1/l/i).
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
/// 12 characters from 31: about 59 bits each.
const LENGTH: usize = 12;

/// Ten fresh codes, formatted `xxxx-xxxx-xxxx`.
pub fn generate() -> Vec<String> {
    let mut rng = rand::rng();
    (0..COUNT)
        .map(|_| {
            let raw: String = (0..LENGTH)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect();
            format!("{}-{}-{}", &raw[..4], &raw[4..8], &raw[8..])
        })
        .collect()
}

/// The canonical form of what a person typed (case, spaces and hyphens
/// ignored), or `None` when it cannot be a recovery code.
pub fn normalize(input: &str) -> Option<String> {
    let raw: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (raw.len() == LENGTH && raw.bytes().all(|b| ALPHABET.contains(&b)))
        .then(|| format!("{}-{}-{}", &raw[..4], &raw[4..8], &raw[8..]))
}

/// Whether `input` looks like a recovery code rather than a 6-digit code.
pub fn looks_like_recovery_code(input: &str) -> bool {
    input.chars().filter(|c| c.is_ascii_alphanumeric()).count() > 6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_distinct_well_formed_codes() {
        let codes = generate();
        assert_eq!(codes.len(), COUNT);
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), COUNT);
        for code in &codes {
            assert_eq!(code.len(), 14);
            assert_eq!(normalize(code).as_deref(), Some(code.as_str()));
        }
    }

    #[test]
    fn typing_is_forgiving_about_case_spaces_and_hyphens_only() {
        assert_eq!(
            normalize(" ABCD efgh-JKMN ").as_deref(),
            Some("abcd-efgh-jkmn")
        );
        assert_eq!(normalize("abcd-efgh-jkm"), None);
        assert_eq!(
            normalize("abcd-efgh-jkm0"),
            None,
            "0 is not in the alphabet"
        );
        assert_eq!(normalize("123456"), None);
        assert!(looks_like_recovery_code("abcd-efgh-jkmn"));
        assert!(!looks_like_recovery_code("123 456"));
    }
}
