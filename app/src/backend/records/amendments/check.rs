//! What a patient and the care team type, checked: a request names an
//! item and says what is wrong; a decision is to accept or deny, with the
//! amendment made or the reason; an extension and a statement of
//! disagreement are words. Each problem is said beside its field.

use super::Verdict;
use crate::{
    error::{AppError, FieldErrors},
    model::amendment::{AMENDMENT_TEXT_MAX, AMENDMENT_TEXT_MIN, ItemKind, parse_item_key},
};
use uuid::Uuid;

/// Words typed into `field`, trimmed, between the shortest and the
/// longest allowed; `missing` says what to write when there are none.
pub fn check_text(field: &str, typed: &str, missing: &str) -> Result<String, AppError> {
    let typed = typed.trim();
    let mut errors = FieldErrors::new();
    let length = typed.chars().count();
    if typed.is_empty() {
        errors.add(field, missing);
    } else if length < AMENDMENT_TEXT_MIN {
        errors.add(
            field,
            format!("Write at least {AMENDMENT_TEXT_MIN} characters."),
        );
    } else if length > AMENDMENT_TEXT_MAX {
        errors.add(field, format!("At most {AMENDMENT_TEXT_MAX} characters."));
    }
    errors.into_result()?;
    Ok(typed.to_owned())
}

/// A request as typed: the item it names (`None`: a value no form lists,
/// which names nothing the patient can see) and the patient's words.
pub fn check_request(
    item: &str,
    words: &str,
) -> Result<(Option<(ItemKind, Uuid)>, String), AppError> {
    let words = check_text(
        "request",
        words,
        "Say what is wrong, and what it should say.",
    );
    let mut errors = match &words {
        Err(AppError::Invalid(errors)) => errors.clone(),
        _ => FieldErrors::new(),
    };
    if item.trim().is_empty() {
        errors.add("item", "Choose the part of your record to correct.");
    }
    errors.into_result()?;
    Ok((parse_item_key(item.trim()), words?))
}

/// A decision as typed: `accept` or `deny`, and the amendment made or the
/// reason for the denial.
pub fn check_decision(decision: &str, text: &str) -> Result<(Verdict, String), AppError> {
    let verdict = match decision {
        "accept" => Some(Verdict::Accept),
        "deny" => Some(Verdict::Deny),
        _ => None,
    };
    let missing = match verdict {
        Some(Verdict::Deny) => "Write the reason for the denial; the patient reads it.",
        _ => "Write the amendment made; the patient reads it.",
    };
    let text = check_text("text", text, missing);
    let mut errors = match &text {
        Err(AppError::Invalid(errors)) => errors.clone(),
        _ => FieldErrors::new(),
    };
    let Some(verdict) = verdict else {
        errors.add("decision", "Choose whether to accept or deny the request.");
        return Err(AppError::Invalid(errors));
    };
    Ok((verdict, text?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::amendment::item_key;

    #[test]
    fn a_request_names_an_item_and_says_what_is_wrong() {
        let id = Uuid::from_u128(7);
        let (named, words) =
            check_request(&item_key(ItemKind::Note, id), "  The date is wrong here.  ")
                .expect("valid");
        assert_eq!(named, Some((ItemKind::Note, id)));
        assert_eq!(words, "The date is wrong here.");
        let refused = check_request("", "short").expect_err("empty");
        assert!(refused.field("item").is_some() && refused.field("request").is_some());
        let (named, _) = check_request("psychotherapy:7", "Something is wrong.").expect("checked");
        assert_eq!(named, None, "names nothing a patient can see");
        let long = "x".repeat(AMENDMENT_TEXT_MAX + 1);
        assert!(check_request("details:7", &long).is_err());
    }

    #[test]
    fn a_decision_is_accept_or_deny_with_its_words() {
        let (verdict, text) = check_decision("deny", "The record is right.").expect("valid");
        assert_eq!(
            (verdict, text.as_str()),
            (Verdict::Deny, "The record is right.")
        );
        let refused = check_decision("maybe", "").expect_err("neither");
        assert!(refused.field("decision").is_some() && refused.field("text").is_some());
        let refused = check_decision("deny", "").expect_err("no reason");
        assert!(refused.field("text").is_some_and(|m| m.contains("reason")));
    }
}
