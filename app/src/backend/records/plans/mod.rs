//! The plans a care team writes with a patient: the treatment plan and the
//! safety plan. Each is one current document per patient, sealed as one
//! value with the patient's key and edited in place, every save naming the
//! version it started from so that two people editing at once never
//! overwrite each other silently. What they share is here: lists typed one
//! item per line, and how a save's version is judged.

pub mod safety;
pub mod treatment;

use crate::error::{AppError, FieldErrors};
use uuid::Uuid;

/// One item per non-blank line, trimmed.
fn items(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The list typed in `field` (one item per line), with a message on the
/// field when it holds more than `most` items or a line longer than
/// `longest` characters. `what` names the items in the message.
fn list(
    errors: &mut FieldErrors,
    field: &str,
    what: &str,
    text: &str,
    (most, longest): (usize, usize),
) -> Vec<String> {
    let items = items(text);
    if items.len() > most {
        errors.add(field, format!("At most {most} {what}, one per line."));
    } else if items.iter().any(|i| i.chars().count() > longest) {
        errors.add(field, format!("Each line is at most {longest} characters."));
    }
    items
}

/// The row a save writes: a new one when there is none and the save
/// started from nothing (`version` 0), the existing one when the save
/// names a version of it. Anything else means someone else saved first
/// (a first plan meanwhile, or a version of a plan that is not there):
/// `EditConflict`, and nothing is written. The version itself is checked
/// by the update, which only matches the row at that version.
fn row_for(existing: Option<Uuid>, version: i32) -> Result<Uuid, AppError> {
    match (existing, version) {
        (None, 0) => Ok(Uuid::new_v4()),
        (Some(id), v) if v > 0 => Ok(id),
        _ => Err(AppError::EditConflict),
    }
}

/// The version a first save answers, given how many rows its insert
/// wrote: none means someone else's first plan landed in between, and
/// theirs stands.
fn first_saved(inserted: usize) -> Result<i32, AppError> {
    if inserted == 1 {
        Ok(1)
    } else {
        Err(AppError::EditConflict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_save_writes_a_new_row_only_from_nothing_and_an_old_one_only_by_version() {
        let id = Uuid::new_v4();
        assert!(row_for(None, 0).is_ok());
        assert_eq!(row_for(Some(id), 3).ok(), Some(id));
        assert!(matches!(row_for(Some(id), 0), Err(AppError::EditConflict)));
        assert!(matches!(row_for(None, 2), Err(AppError::EditConflict)));
        assert!(matches!(row_for(Some(id), -1), Err(AppError::EditConflict)));
    }

    #[test]
    fn lists_are_trimmed_lines_with_limits() {
        let mut errors = FieldErrors::new();
        let got = list(&mut errors, "f", "goals", " a \n\n b", (2, 3));
        assert_eq!(got, ["a", "b"]);
        assert!(errors.into_result().is_ok());
        let mut errors = FieldErrors::new();
        list(&mut errors, "f", "goals", "a\nb\nc", (2, 3));
        list(&mut errors, "g", "goals", "abcd", (2, 3));
        let error = errors.into_result().expect_err("refused");
        assert!(
            error
                .field("f")
                .is_some_and(|m| m.contains("At most 2 goals"))
        );
        assert!(
            error
                .field("g")
                .is_some_and(|m| m.contains("at most 3 characters"))
        );
    }
}
