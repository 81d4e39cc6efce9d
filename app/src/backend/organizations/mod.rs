//! Organizations (practices): the tenancy boundary of every query.

mod zone;

pub use zone::{PracticeZones, ZoneError};

use super::db::schema::organizations;
use diesel::{OptionalExtension, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// The practice's name when this instance serves exactly one practice,
/// which is what the sign-in page greets people with.
pub async fn single_practice_name(conn: &mut AsyncPgConnection) -> QueryResult<Option<String>> {
    Ok(single_practice(conn).await?.map(|(_, name)| name))
}

/// The one practice this instance serves (id and name), if it serves one.
/// Events with no account behind them (a sign-in attempt for an unknown
/// email) belong to it; with several practices they belong to none.
pub async fn single_practice(conn: &mut AsyncPgConnection) -> QueryResult<Option<(Uuid, String)>> {
    let practices: Vec<(Uuid, String)> = organizations::table
        .select((organizations::id, organizations::name))
        .order(organizations::created_at)
        .limit(2)
        .load(conn)
        .await?;
    Ok(match practices.as_slice() {
        [only] => Some(only.clone()),
        _ => None,
    })
}

/// The practice's name.
pub async fn name_of(conn: &mut AsyncPgConnection, organization_id: Uuid) -> QueryResult<String> {
    organizations::table
        .find(organization_id)
        .select(organizations::name)
        .first(conn)
        .await
}

pub async fn find_by_slug(conn: &mut AsyncPgConnection, slug: &str) -> QueryResult<Option<Uuid>> {
    organizations::table
        .filter(organizations::slug.eq(slug))
        .select(organizations::id)
        .first(conn)
        .await
        .optional()
}

/// Returns the organization with `slug`, creating it with `name` if absent.
pub async fn find_or_create(
    conn: &mut AsyncPgConnection,
    name: &str,
    slug: &str,
) -> QueryResult<Uuid> {
    diesel::insert_into(organizations::table)
        .values((organizations::name.eq(name), organizations::slug.eq(slug)))
        .on_conflict(organizations::slug)
        .do_nothing()
        .execute(conn)
        .await?;
    organizations::table
        .filter(organizations::slug.eq(slug))
        .select(organizations::id)
        .first(conn)
        .await
}

/// Turns a practice name into a slug: lower-case ASCII letters and digits
/// joined by single hyphens.
pub fn slugify(name: &str) -> Option<String> {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(63).collect();
    let slug = slug.trim_end_matches('-').to_owned();
    (slug.len() >= 2).then_some(slug)
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs_are_lowercase_words_joined_by_hyphens() {
        assert_eq!(
            slugify("Juniper Creek Counseling (demo)").as_deref(),
            Some("juniper-creek-counseling-demo")
        );
        assert_eq!(slugify("  A&B  Therapy!! ").as_deref(), Some("a-b-therapy"));
        assert_eq!(slugify("!!"), None);
        assert!(slugify(&"x".repeat(100)).is_some_and(|s| s.len() == 63));
    }
}
