//! The practice's consent forms. A form's text is the practice's own (no
//! patient's information): stored plain, each version as it was written,
//! with the SHA-256 of its exact bytes. A new version retires the one it
//! replaces in the same transaction; a signature refers to the version it
//! was given, so what a patient signed is always the text they were shown.

use crate::backend::{
    audit::{self, Details},
    client::ClientInfo,
    dates::Zone,
    db::schema::consent_templates,
    identity::authz::Admin,
    practice_settings,
};
use crate::{
    error::{AppError, FieldErrors},
    model::consent::{ConsentKind, ConsentTemplate, TEXT_MAX, TITLE_MAX, TemplateForm},
};
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

/// The SHA-256 of `text`'s UTF-8 bytes.
pub fn sha256(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// A stored version.
#[derive(Queryable, Selectable)]
#[diesel(table_name = consent_templates)]
pub struct Stored {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub series: Uuid,
    pub version: i32,
    pub kind: ConsentKind,
    pub title: String,
    pub body: String,
    pub body_sha256: Vec<u8>,
    pub created_at: OffsetDateTime,
    pub retired_at: Option<OffsetDateTime>,
}

impl Stored {
    pub fn view(self, zone: &Zone) -> ConsentTemplate {
        ConsentTemplate {
            id: self.id,
            series: self.series,
            version: self.version,
            kind: self.kind,
            title: self.title,
            text_sha256: hex(&self.body_sha256),
            text: self.body,
            created_on: crate::backend::dates::day(zone.date_of(self.created_at)),
        }
    }
}

/// The practice's current version of each form, by title.
pub async fn current(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    zone: &Zone,
) -> Result<Vec<ConsentTemplate>, AppError> {
    let stored: Vec<Stored> = consent_templates::table
        .filter(consent_templates::organization_id.eq(organization_id))
        .filter(consent_templates::retired_at.is_null())
        .order((consent_templates::title, consent_templates::created_at))
        .select(Stored::as_select())
        .load(conn)
        .await?;
    Ok(stored.into_iter().map(|s| s.view(zone)).collect())
}

/// Version `id` of one of practice `organization_id`'s forms, current or
/// retired; `None` when it is no form of theirs.
pub async fn find(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    id: Uuid,
) -> Result<Option<Stored>, AppError> {
    Ok(consent_templates::table
        .find(id)
        .filter(consent_templates::organization_id.eq(organization_id))
        .select(Stored::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// A form as typed, checked.
#[derive(Debug)]
pub struct NewTemplate {
    kind: ConsentKind,
    title: String,
    text: String,
    replaces: Option<Uuid>,
}

/// Checks a form as typed: what it is for, a title and a text within
/// their lengths; `replaces`, when given, a version id.
pub fn check(form: &TemplateForm) -> Result<NewTemplate, AppError> {
    let mut errors = FieldErrors::new();
    let kind = form.kind.parse::<ConsentKind>().ok();
    if kind.is_none() {
        errors.add("kind", "Choose what the form is for.");
    }
    let title = form.title.trim();
    if title.is_empty() {
        errors.add("title", "Give the form a title.");
    } else if title.chars().count() > TITLE_MAX {
        errors.add("title", format!("At most {TITLE_MAX} characters."));
    }
    // The text is kept exactly as typed but for its line endings (a
    // browser sends CRLF): what is hashed is what every page shows.
    let text = form.text.replace("\r\n", "\n");
    let text = text.trim();
    if text.is_empty() {
        errors.add("text", "Write the text patients will read and sign.");
    } else if text.chars().count() > TEXT_MAX {
        errors.add("text", format!("At most {TEXT_MAX} characters."));
    }
    let replaces = match form.replaces.trim() {
        "" => None,
        typed => {
            let id = typed.parse::<Uuid>().ok();
            if id.is_none() {
                errors.add("replaces", "Choose the form this version replaces.");
            }
            id
        }
    };
    errors.into_result()?;
    let Some(kind) = kind else {
        return Err(AppError::Internal);
    };
    Ok(NewTemplate {
        kind,
        title: title.to_owned(),
        text: text.to_owned(),
        replaces,
    })
}

/// Adds `new` to `admin`'s practice's forms: a first version, or the next
/// version of the current one it replaces (which is retired), recorded as
/// a change of the practice in the same transaction. Answers the new
/// version's id. A version that is no longer current is refused beside
/// the form.
pub async fn add(
    conn: &mut AsyncPgConnection,
    admin: Admin,
    client: &ClientInfo,
    new: NewTemplate,
) -> Result<Uuid, AppError> {
    let organization_id = admin.organization_id;
    conn.transaction::<_, AppError, _>(async |conn| {
        let id = Uuid::new_v4();
        let (series, version) = match new.replaces {
            None => (id, 1),
            Some(old) => {
                let replaced: Option<(Uuid, i32)> = consent_templates::table
                    .find(old)
                    .filter(consent_templates::organization_id.eq(organization_id))
                    .filter(consent_templates::retired_at.is_null())
                    .select((consent_templates::series, consent_templates::version))
                    .for_update()
                    .first(conn)
                    .await
                    .optional()?;
                let Some((series, version)) = replaced else {
                    let mut errors = FieldErrors::new();
                    errors.add(
                        "replaces",
                        "That version has been replaced already: reload the page.",
                    );
                    return Err(AppError::Invalid(errors));
                };
                diesel::update(consent_templates::table.find(old))
                    .set(consent_templates::retired_at.eq(diesel::dsl::now))
                    .execute(conn)
                    .await?;
                (series, version + 1)
            }
        };
        diesel::insert_into(consent_templates::table)
            .values((
                consent_templates::id.eq(id),
                consent_templates::organization_id.eq(organization_id),
                consent_templates::series.eq(series),
                consent_templates::version.eq(version),
                consent_templates::kind.eq(new.kind),
                consent_templates::title.eq(&new.title),
                consent_templates::body.eq(&new.text),
                consent_templates::body_sha256.eq(sha256(&new.text).to_vec()),
                consent_templates::created_by.eq(admin.user_id),
            ))
            .execute(conn)
            .await?;
        let details = Details::new()
            .with("consent_form", id)
            .with("version", u32::try_from(version).unwrap_or(0));
        audit::record(conn, practice_settings::changed(admin, client, details)).await?;
        Ok(id)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_of_the_exact_text() {
        assert_eq!(
            hex(&sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(sha256("I agree."), sha256("I agree. "));
    }

    #[test]
    fn a_form_needs_a_kind_a_title_and_a_text() {
        let error = check(&TemplateForm::default()).expect_err("empty");
        for field in ["kind", "title", "text"] {
            assert!(error.field(field).is_some(), "{field}");
        }
        let checked = check(&TemplateForm {
            kind: "release".into(),
            title: " Release ".into(),
            text: "Line one\r\nLine two\r\n".into(),
            replaces: String::new(),
        })
        .expect("valid");
        assert_eq!(checked.title, "Release");
        assert_eq!(checked.text, "Line one\nLine two");
        let error = check(&TemplateForm {
            kind: "release".into(),
            title: "x".repeat(TITLE_MAX + 1),
            text: "t".into(),
            replaces: "not-an-id".into(),
        })
        .expect_err("refused");
        assert!(error.field("title").is_some());
        assert!(error.field("replaces").is_some());
    }
}
