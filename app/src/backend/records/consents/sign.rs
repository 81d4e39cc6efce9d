//! A consent as signed, checked: in the portal, the patient types their
//! full legal name against the version of the form the page showed them
//! (its hash must still be the current text's); on paper, staff record
//! the name as written and the day it was signed, against the version the
//! paper was.

use super::{ConsentBody, ReleaseBody, templates::Stored};
use crate::backend::dates::{Zone, check_day};
use crate::{
    error::{AppError, FieldErrors},
    model::{
        consent::{ConsentForm, ConsentKind, ConsentMethod, LINE_MAX},
        validate::{check_line, same_name},
    },
};
use time::{Date, OffsetDateTime};

/// Who is signing.
pub enum Signer<'a> {
    /// The patient, in the portal: `legal_name` is what the record holds.
    Patient { legal_name: &'a str },
    /// Staff recording a consent signed on paper.
    Paper,
}

/// A consent as signed, checked. Health information: never printed.
pub struct NewConsent {
    pub(super) template_id: uuid::Uuid,
    pub(super) text_sha256: Vec<u8>,
    pub(super) method: ConsentMethod,
    pub(super) signed_at: OffsetDateTime,
    pub(super) expires_on: Option<Date>,
    pub(super) body: ConsentBody,
}

impl std::fmt::Debug for NewConsent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewConsent(<redacted>)")
    }
}

/// The earliest day a paper consent may be recorded as signed on.
const FIRST_DAY: Date = time::macros::date!(1970 - 01 - 01);

/// Checks `form`, signed by `signer` against the form version `template`,
/// at `now` in the practice's `zone`.
pub fn check(
    form: &ConsentForm,
    template: &Stored,
    signer: Signer<'_>,
    zone: &Zone,
    now: OffsetDateTime,
) -> Result<NewConsent, AppError> {
    let mut errors = FieldErrors::new();
    let today = zone.date_of(now);
    let method = match signer {
        Signer::Patient { .. } => ConsentMethod::Portal,
        Signer::Paper => ConsentMethod::Paper,
    };
    if method == ConsentMethod::Portal
        && (template.retired_at.is_some()
            || form.text_sha256.trim() != super::templates::hex(&template.body_sha256))
    {
        // The practice published a new version after the page was opened:
        // a signature is only ever for the text the patient read.
        errors.add(
            "text_sha256",
            "The practice has changed this form since you opened it. Read the new version, then sign.",
        );
    }
    let signed_name = match signer {
        Signer::Patient { legal_name } => {
            let typed = line(
                &mut errors,
                "typed_name",
                &form.typed_name,
                "Type your full name to sign.",
            );
            if !typed.is_empty() && !same_name(&typed, legal_name) {
                errors.add(
                    "typed_name",
                    "Type your full legal name, as the practice has it on your record.",
                );
            }
            typed
        }
        Signer::Paper => line(
            &mut errors,
            "typed_name",
            &form.typed_name,
            "Enter the name as it is signed on the paper.",
        ),
    };
    let release = if template.kind.names_recipient() {
        Some(ReleaseBody {
            recipient: line(
                &mut errors,
                "recipient",
                &form.recipient,
                "Name who may receive the information.",
            ),
            released: line(
                &mut errors,
                "released",
                &form.released,
                "Say what information may be released.",
            ),
            purpose: line(&mut errors, "purpose", &form.purpose, "Say what it is for."),
        })
    } else {
        None
    };
    let signed_on = match (method, form.signed_on.trim()) {
        (ConsentMethod::Portal, _) | (ConsentMethod::Paper, "") => Some(today),
        (ConsentMethod::Paper, typed) => {
            check_day(&mut errors, "signed_on", typed, "signing", FIRST_DAY, today)
        }
    };
    let expires_on = match form.expires_on.trim() {
        "" if template.kind == ConsentKind::Release => {
            errors.add("expires_on", "A release needs the day it ends.");
            None
        }
        "" => None,
        typed => {
            let first = signed_on.unwrap_or(today);
            let latest = first.replace_year(first.year() + 100).unwrap_or(first);
            check_day(&mut errors, "expires_on", typed, "end", first, latest)
        }
    };
    errors.into_result()?;
    let signed_at = match signed_on {
        Some(day) if day != today => zone.start_of(day),
        _ => now,
    };
    Ok(NewConsent {
        template_id: template.id,
        text_sha256: template.body_sha256.clone(),
        method,
        signed_at,
        expires_on,
        body: ConsentBody {
            signed_name,
            release,
        },
    })
}

/// One required line as typed, at most [`LINE_MAX`] characters.
fn line(errors: &mut FieldErrors, field: &str, typed: &str, missing: &str) -> String {
    check_line(errors, field, typed, LINE_MAX, missing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::records::consents::templates::{hex, sha256};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-07 15:00 UTC);

    fn template(kind: ConsentKind) -> Stored {
        Stored {
            id: uuid::Uuid::new_v4(),
            organization_id: uuid::Uuid::nil(),
            series: uuid::Uuid::nil(),
            version: 1,
            kind,
            title: "A form".into(),
            body: "I agree.".into(),
            body_sha256: sha256("I agree.").to_vec(),
            created_at: NOW,
            retired_at: None,
        }
    }

    fn signed(_kind: ConsentKind) -> ConsentForm {
        ConsentForm {
            text_sha256: hex(&sha256("I agree.")),
            typed_name: "avery  QUINN".into(),
            recipient: "Example Clinic".into(),
            released: "Attendance dates".into(),
            purpose: "Coordinating care".into(),
            expires_on: "2027-06-30".into(),
            ..ConsentForm::default()
        }
    }

    const AVERY: Signer<'static> = Signer::Patient {
        legal_name: "Avery Quinn",
    };

    #[test]
    fn a_patient_signs_the_text_they_were_shown_with_their_name() {
        let zone = Zone::utc();
        let form = template(ConsentKind::Release);
        let consent =
            check(&signed(ConsentKind::Release), &form, AVERY, &zone, NOW).expect("valid");
        assert_eq!(consent.text_sha256, form.body_sha256);
        assert_eq!(consent.signed_at, NOW);
        assert_eq!(consent.method, ConsentMethod::Portal);
        assert!(consent.body.release.is_some());

        let mut changed = signed(ConsentKind::Release);
        changed.text_sha256 = hex(&sha256("I agree. "));
        let error = check(&changed, &form, AVERY, &zone, NOW).expect_err("other text");
        assert!(error.field("text_sha256").is_some());

        let mut retired = template(ConsentKind::Treatment);
        retired.retired_at = Some(NOW);
        assert!(check(&signed(ConsentKind::Treatment), &retired, AVERY, &zone, NOW).is_err());

        let mut someone = signed(ConsentKind::Release);
        someone.typed_name = "Sam Other".into();
        let error = check(&someone, &form, AVERY, &zone, NOW).expect_err("not their name");
        assert!(error.field("typed_name").is_some());
    }

    #[test]
    fn a_release_names_who_what_why_and_until_when() {
        let zone = Zone::utc();
        let form = template(ConsentKind::Release);
        let error =
            check(&ConsentForm::default(), &form, Signer::Paper, &zone, NOW).expect_err("empty");
        for field in [
            "typed_name",
            "recipient",
            "released",
            "purpose",
            "expires_on",
        ] {
            assert!(error.field(field).is_some(), "{field}");
        }
        let mut past = signed(ConsentKind::Release);
        past.expires_on = "2026-12-01".into();
        let error = check(&past, &form, AVERY, &zone, NOW).expect_err("ended already");
        assert!(error.field("expires_on").is_some());
        // A treatment consent names nobody and may run without an end.
        let mut plain = signed(ConsentKind::Treatment);
        plain.expires_on.clear();
        let consent =
            check(&plain, &template(ConsentKind::Treatment), AVERY, &zone, NOW).expect("valid");
        assert!(consent.body.release.is_none() && consent.expires_on.is_none());
    }

    #[test]
    fn a_paper_consent_keeps_the_day_it_was_signed() {
        let zone = Zone::utc();
        let mut paper = signed(ConsentKind::Release);
        paper.text_sha256.clear();
        paper.signed_on = "2026-11-02".into();
        let consent = check(
            &paper,
            &template(ConsentKind::Release),
            Signer::Paper,
            &zone,
            NOW,
        )
        .expect("valid");
        assert_eq!(consent.method, ConsentMethod::Paper);
        assert_eq!(consent.signed_at, datetime!(2026-11-02 0:00 UTC));
        paper.signed_on = "2026-12-08".into();
        let error = check(
            &paper,
            &template(ConsentKind::Release),
            Signer::Paper,
            &zone,
            NOW,
        )
        .expect_err("tomorrow");
        assert!(error.field("signed_on").is_some());
    }
}
