//! A note as typed, checked: its sections (sealed as one value), its
//! template, kind and session date, and what signing and addenda require.
//! Pure, so every rule is tested on plain values.

use crate::backend::dates::parse_day;
use crate::{
    backend::vault::{PhiValue, SealedAsJson},
    error::{AppError, FieldErrors},
    model::chart::{ADDENDUM_MAX, NoteKind, NoteTemplate, SECTION_MAX},
};
use time::Date;
use zeroize::Zeroize;

/// A note's sections, (field, text) in the template's order: sealed as one
/// value (as the list itself: `transparent`).
#[derive(Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct NoteBody(pub Vec<(String, String)>);

impl SealedAsJson for NoteBody {
    fn wipe_fields(&mut self) {
        for (_, text) in &mut self.0 {
            text.zeroize();
        }
    }
}

/// A draft as typed, checked: what a save stores.
pub struct Draft {
    pub template: NoteTemplate,
    pub session_date: Date,
    pub body: NoteBody,
    /// Set when the note is created; a save keeps the note's own kind.
    pub kind: NoteKind,
    /// Whether a psychotherapy note's author shares it with the care team
    /// (never for a progress note: it is the chart's already).
    pub shared: bool,
}

impl Draft {
    /// The draft as a note of `kind`, shared with the care team when it
    /// is a psychotherapy note and `shared`.
    pub fn of_kind(mut self, kind: NoteKind, shared: bool) -> Self {
        self.kind = kind;
        self.shared = kind == NoteKind::Psychotherapy && shared;
        self
    }
}

/// The kind of a new note, as chosen in the editor (a progress note when
/// nothing was chosen).
pub fn check_kind(typed: &str) -> Result<NoteKind, AppError> {
    match typed.trim() {
        "" => Ok(NoteKind::Progress),
        typed => typed.parse().map_err(|_| {
            let mut errors = FieldErrors::new();
            errors.add("kind", "Choose a progress note or a psychotherapy note.");
            AppError::Invalid(errors)
        }),
    }
}

impl Drop for Draft {
    fn drop(&mut self) {
        self.body.wipe();
    }
}

/// Earliest session date a note may carry.
const FIRST_DAY: Date = time::macros::date!(1900 - 01 - 01);

/// Checks a draft as typed: a known template, a session date that is a
/// real day neither in the future nor before 1900, and sections within
/// [`SECTION_MAX`]. Empty sections are fine in a draft. Every message is
/// next to its field.
pub fn check_draft(
    template: &str,
    session_date: &str,
    section: impl Fn(&str) -> String,
    today: Date,
) -> Result<Draft, AppError> {
    let mut errors = FieldErrors::new();
    let template = template.parse::<NoteTemplate>().ok();
    if template.is_none() {
        errors.add("template", "Choose a template.");
    }
    let date = parse_day(session_date.trim());
    match date {
        None if session_date.trim().is_empty() => {
            errors.add("session_date", "Enter the date of the session.")
        }
        None => errors.add(
            "session_date",
            "Enter the session date as YYYY-MM-DD, for example 2026-03-14.",
        ),
        Some(day) if day > today => {
            errors.add("session_date", "The session date cannot be in the future.")
        }
        Some(day) if day < FIRST_DAY => {
            errors.add("session_date", "Enter a session date after 1900.")
        }
        Some(_) => {}
    }
    let mut body = NoteBody::default();
    for s in template.map(NoteTemplate::sections).unwrap_or_default() {
        let text = section(s.field);
        if text.chars().count() > SECTION_MAX {
            errors.add(
                s.field,
                format!(
                    "{} is too long: at most {SECTION_MAX} characters.",
                    s.heading
                ),
            );
        }
        body.0.push((s.field.to_owned(), text));
    }
    errors.into_result()?;
    match (template, date) {
        (Some(template), Some(session_date)) => Ok(Draft {
            template,
            session_date,
            body,
            kind: NoteKind::Progress,
            shared: false,
        }),
        _ => Err(AppError::Internal),
    }
}

/// A signed note has something in every section.
pub fn check_signable(template: NoteTemplate, body: &NoteBody) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    for s in template.sections() {
        let filled = body
            .0
            .iter()
            .any(|(field, text)| field == s.field && !text.trim().is_empty());
        if !filled {
            errors.add(
                s.field,
                format!("Write the {} section before signing.", s.heading),
            );
        }
    }
    errors.into_result()
}

/// Checks an addendum's text.
pub fn check_addendum(text: &str) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    if text.trim().is_empty() {
        errors.add("text", "Write the correction or addition.");
    } else if text.chars().count() > ADDENDUM_MAX {
        errors.add(
            "text",
            format!("An addendum has at most {ADDENDUM_MAX} characters."),
        );
    }
    errors.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 24);

    fn sections(text: &'static str) -> impl Fn(&str) -> String {
        move |_| text.to_owned()
    }

    #[test]
    fn a_draft_needs_a_template_and_a_real_past_date() {
        let error = check_draft("", "", sections(""), TODAY)
            .err()
            .expect("refused");
        assert_eq!(
            error.field("template").as_deref(),
            Some("Choose a template.")
        );
        assert_eq!(
            error.field("session_date").as_deref(),
            Some("Enter the date of the session.")
        );
        for (date, message) in [
            ("2026-02-30", "as YYYY-MM-DD"),
            ("24/11/2026", "as YYYY-MM-DD"),
            ("2026-11-25", "future"),
            ("1899-12-31", "after 1900"),
        ] {
            let error = check_draft("soap", date, sections(""), TODAY)
                .err()
                .expect(date);
            assert!(
                error
                    .field("session_date")
                    .is_some_and(|m| m.contains(message)),
                "{date}: {error:?}"
            );
        }
        let draft = check_draft("dap", "2026-11-24", sections(""), TODAY).expect("a draft");
        assert_eq!(draft.template, NoteTemplate::Dap);
        assert_eq!(draft.body.0.len(), 3);
    }

    #[test]
    fn a_section_has_a_length_limit() {
        let long = "x".repeat(SECTION_MAX + 1);
        let error = check_draft("soap", "2026-11-01", |_| long.clone(), TODAY)
            .err()
            .expect("too long");
        assert!(
            error
                .field("subjective")
                .is_some_and(|m| m.contains("too long"))
        );
        let exact = "x".repeat(SECTION_MAX);
        assert!(check_draft("soap", "2026-11-01", |_| exact.clone(), TODAY).is_ok());
    }

    #[test]
    fn signing_needs_every_section_written() {
        let draft = check_draft(
            "soap",
            "2026-11-01",
            |field| {
                if field == "objective" {
                    "  ".into()
                } else {
                    "text".into()
                }
            },
            TODAY,
        )
        .expect("draft");
        let error = check_signable(draft.template, &draft.body).expect_err("one empty");
        assert_eq!(
            error.field("objective").as_deref(),
            Some("Write the Objective section before signing.")
        );
        assert!(error.field("subjective").is_none());
        let full = check_draft("soap", "2026-11-01", sections("text"), TODAY).expect("draft");
        assert!(check_signable(full.template, &full.body).is_ok());
    }

    #[test]
    fn addenda_need_text_within_the_limit() {
        assert!(check_addendum("  ").is_err());
        assert!(check_addendum(&"y".repeat(ADDENDUM_MAX + 1)).is_err());
        assert!(check_addendum("Corrected the date of the referral.").is_ok());
    }

    #[test]
    fn a_body_round_trips_through_its_sealed_bytes() {
        let body = NoteBody(vec![("plan".into(), "Follow up in two weeks".into())]);
        let bytes = body.to_bytes();
        let back = NoteBody::from_bytes(&bytes).expect("parses");
        assert_eq!(back.0, body.0);
        assert!(NoteBody::from_bytes(b"not json").is_none());
    }
}
