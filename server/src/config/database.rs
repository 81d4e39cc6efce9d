//! `DATABASE_URL`, `CAIRN_MIGRATION_DATABASE_URL` and `CAIRN_DB_CA_FILE`:
//! where the database is, as which role, and what production demands of
//! the way there.

use super::{ConfigError, problem};
use app::backend::db::{DatabaseTarget, SslMode};

/// The application's role (`DATABASE_URL`) and the role migrations run as
/// (`CAIRN_MIGRATION_DATABASE_URL`, the tables' owner; the application's
/// URL when unset, so a single-role development database still migrates).
pub(super) fn targets(
    var: &impl Fn(&str) -> Option<String>,
    production: bool,
) -> Result<(DatabaseTarget, DatabaseTarget), ConfigError> {
    let url = var("DATABASE_URL").ok_or_else(|| {
        problem(
            "DATABASE_URL",
            "required: the PostgreSQL URL of the application's role, e.g. postgres://cairn_app@localhost/cairn",
        )
    })?;
    let ca_file = var("CAIRN_DB_CA_FILE");
    let application = checked("DATABASE_URL", &url, ca_file.as_deref(), production)?;
    let migration = match var("CAIRN_MIGRATION_DATABASE_URL") {
        Some(url) => checked(
            "CAIRN_MIGRATION_DATABASE_URL",
            &url,
            ca_file.as_deref(),
            production,
        )?,
        None => application.clone(),
    };
    Ok((application, migration))
}

fn checked(
    variable: &'static str,
    url: &str,
    ca_file: Option<&str>,
    production: bool,
) -> Result<DatabaseTarget, ConfigError> {
    let target = DatabaseTarget::from_variable(variable, url, ca_file)?;
    // Off the machine, only a verified server may see the traffic: a
    // network that can answer in the database's place could otherwise
    // read every record.
    if production && !target.is_local() && target.ssl_mode() != SslMode::VerifyFull {
        return Err(problem(
            variable,
            "production requires sslmode=verify-full for a database that is not on loopback or a Unix socket",
        ));
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(production: bool, url: &str) -> Result<DatabaseTarget, ConfigError> {
        targets(
            &|name| (name == "DATABASE_URL").then(|| url.to_owned()),
            production,
        )
        .map(|(application, _)| application)
    }

    #[test]
    fn production_requires_a_verified_database_off_the_machine() {
        for url in [
            "postgres://cairn:secret@db.example/cairn",
            "postgres://cairn:secret@db.example/cairn?sslmode=require",
            "postgres://cairn:secret@db.example/cairn?sslmode=verify-ca&sslrootcert=system",
        ] {
            let error = read(true, url).expect_err(url);
            assert_eq!(error.variable, "DATABASE_URL");
            assert!(error.problem.contains("verify-full"), "{error}");
            read(false, url).expect("development allows it");
        }
        let remote = read(
            true,
            "postgres://cairn:secret@db.example/cairn?sslmode=verify-full&sslrootcert=system",
        )
        .expect("verify-full is enough");
        assert!(
            !format!("{remote:?}").contains("secret"),
            "the URL's password is never printed"
        );
        read(true, "postgres://cairn:secret@127.0.0.1/cairn").expect("loopback needs no TLS");
        read(true, "postgres://cairn@%2Fvar%2Frun%2Fpostgresql/cairn").expect("nor a socket");
    }

    #[test]
    fn a_mode_that_verifies_needs_a_ca() {
        let error =
            read(false, "postgres://db.example/cairn?sslmode=verify-full").expect_err("no CA");
        assert_eq!(error.variable, "DATABASE_URL");
        assert!(error.problem.contains("CAIRN_DB_CA_FILE"), "{error}");
        let error = targets(
            &|name| match name {
                "DATABASE_URL" => Some("postgres://db.example/cairn?sslmode=verify-full".into()),
                "CAIRN_DB_CA_FILE" => Some("/nonexistent/ca.pem".into()),
                _ => None,
            },
            false,
        )
        .expect_err("unreadable");
        assert_eq!(error.variable, "CAIRN_DB_CA_FILE");
    }

    #[test]
    fn the_migration_role_has_its_own_url_held_to_the_same_rules() {
        let both = |migration: &str| {
            let migration = migration.to_owned();
            targets(
                &move |name| {
                    match name {
                    "DATABASE_URL" => Some(
                        "postgres://cairn_app@db.example/cairn?sslmode=verify-full&sslrootcert=system"
                            .into(),
                    ),
                    "CAIRN_MIGRATION_DATABASE_URL" => Some(migration.clone()),
                    _ => None,
                }
                },
                true,
            )
        };
        let error = both("postgres://owner@db.example/cairn?sslmode=require").expect_err("plain");
        assert_eq!(error.variable, "CAIRN_MIGRATION_DATABASE_URL");
        assert!(error.problem.contains("verify-full"), "{error}");
        let error = both("mysql://owner@db.example/cairn").expect_err("not postgres");
        assert_eq!(error.variable, "CAIRN_MIGRATION_DATABASE_URL");
        both("postgres://owner@db.example/cairn?sslmode=verify-full&sslrootcert=system")
            .expect("verified");
    }
}
