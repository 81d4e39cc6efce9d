//! Whose an account is: its email and the name it goes by, and how an
//! account is found by its email.
//!
//! A patient's portal account keeps both sealed (`users.email_sealed`,
//! `users.display_name_sealed`, with the practice's data key, bound to the
//! row): that someone is a patient of a mental-health practice is itself
//! protected. Staff accounts keep theirs readable: staff names are on
//! every note they sign. Sign-in finds any account by the keyed index of
//! its email ([`with_email`]), never by the email.
//!
//! Sealed values open here alone ([`open`]), for: the person the account
//! is, the holder of a valid invitation to it, a staff listing that
//! records itself (People, the access review), and the security notice
//! mailed to the address.

use crate::backend::{
    db::schema::users,
    vault::{Sealed, Vault, columns},
};
use crate::{error::AppError, model::Role};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[diesel::declare_sql_function]
extern "SQL" {
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// The accounts whose email is `email` (as `check_email` leaves it): by
/// the keyed index, or, for a row written before there was one and not yet
/// brought up to date ([`seal_existing`]), by the email itself.
pub fn with_email(vault: &Vault, email: &str) -> ByEmail {
    Box::new(
        users::email_index
            .eq(vault.account_index(email))
            .or(users::email_index
                .is_null()
                .and(lower(users::email.assume_not_null()).eq(email.to_owned()))),
    )
}

/// A condition on `users`, as [`with_email`] makes one.
pub type ByEmail = Box<
    dyn BoxableExpression<
            users::table,
            diesel::pg::Pg,
            SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
        >,
>;

/// An account's email and name, opened.
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    pub email: String,
    pub display_name: String,
}

/// Never printed: a patient's identity is health information.
impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Identity(<redacted>)")
    }
}

/// An account's identity as stored: each value readable or sealed.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct Stored {
    pub id: Uuid,
    pub organization_id: Uuid,
    email: Option<String>,
    display_name: Option<String>,
    email_sealed: Option<Vec<u8>>,
    display_name_sealed: Option<Vec<u8>>,
}

/// The columns of a new account's identity, to insert: sealed for a
/// patient, readable for staff; with the email's index either way.
pub async fn to_store(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    organization_id: Uuid,
    id: Uuid,
    role: Role,
    who: &Identity,
) -> Result<ToStore, AppError> {
    let index = vault.account_index(&who.email);
    if role != Role::Patient {
        return Ok((
            users::email.eq(Some(who.email.clone())),
            users::display_name.eq(Some(who.display_name.clone())),
            users::email_sealed.eq(None),
            users::display_name_sealed.eq(None),
            users::email_index.eq(Some(index)),
        ));
    }
    let email = Sealed::seal_for_practice(
        vault,
        conn,
        organization_id,
        columns::ACCOUNT_EMAIL,
        id,
        &who.email,
    )
    .await?
    .into_bytes();
    let name = Sealed::seal_for_practice(
        vault,
        conn,
        organization_id,
        columns::ACCOUNT_NAME,
        id,
        &who.display_name,
    )
    .await?
    .into_bytes();
    Ok((
        users::email.eq(None),
        users::display_name.eq(None),
        users::email_sealed.eq(Some(email)),
        users::display_name_sealed.eq(Some(name)),
        users::email_index.eq(Some(index)),
    ))
}

/// The identity columns [`to_store`] answers, for `insert_into(users)`.
pub type ToStore = (
    diesel::dsl::Eq<users::email, Option<String>>,
    diesel::dsl::Eq<users::display_name, Option<String>>,
    diesel::dsl::Eq<users::email_sealed, Option<Vec<u8>>>,
    diesel::dsl::Eq<users::display_name_sealed, Option<Vec<u8>>>,
    diesel::dsl::Eq<users::email_index, Option<Vec<u8>>>,
);

/// Opens a stored identity. A value that does not open is an error (and
/// logged with where and why, never what): never shown as empty.
pub async fn open(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    stored: &Stored,
) -> Result<Identity, AppError> {
    let email = value(
        conn,
        vault,
        stored,
        stored.email.as_ref(),
        stored.email_sealed.as_ref(),
        columns::ACCOUNT_EMAIL,
    )
    .await?;
    let display_name = value(
        conn,
        vault,
        stored,
        stored.display_name.as_ref(),
        stored.display_name_sealed.as_ref(),
        columns::ACCOUNT_NAME,
    )
    .await?;
    Ok(Identity {
        email,
        display_name,
    })
}

/// One value, as it is stored: readable, or sealed and opened.
async fn value(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    stored: &Stored,
    readable: Option<&String>,
    sealed: Option<&Vec<u8>>,
    column: columns::Column,
) -> Result<String, AppError> {
    if let Some(text) = readable {
        return Ok(text.clone());
    }
    let Some(bytes) = sealed else {
        // The table's constraint keeps one form of each; none is a bug.
        tracing::error!(user.id = %stored.id, column = column.column, "an account has no value");
        return Err(AppError::Internal);
    };
    let opened = Sealed::<String>::from_stored(bytes.clone())
        .open_account(vault, conn, stored.organization_id, column, stored.id)
        .await;
    match opened {
        Ok(text) => Ok(text.expose().clone()),
        Err(why) => {
            tracing::error!(user.id = %stored.id, column = column.column, %why, "an account's sealed value did not open");
            Err(AppError::RecordUnreadable)
        }
    }
}

/// The identity of account `id`.
pub async fn of(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    id: Uuid,
) -> Result<Identity, AppError> {
    let stored: Stored = users::table
        .find(id)
        .select(Stored::as_select())
        .first(conn)
        .await?;
    open(conn, vault, &stored).await
}

/// Brings accounts written before this release up to date, a batch at a
/// time: every account gets its email's index, and a patient's email and
/// name are sealed, their readable copies removed. Answers how many
/// accounts it changed. Safe to run again, and at once on several
/// instances (each batch locks its rows; a row is done once).
pub async fn seal_existing(conn: &mut AsyncPgConnection, vault: &Vault) -> Result<usize, AppError> {
    const BATCH: i64 = 200;
    let mut done = 0;
    loop {
        let changed = conn
            .transaction::<_, AppError, _>(async |conn| {
                let rows: Vec<(Uuid, Uuid, Role, String, String)> = users::table
                    .filter(
                        users::email_index.is_null().or(users::role
                            .eq(Role::Patient)
                            .and(users::email_sealed.is_null())),
                    )
                    .select((
                        users::id,
                        users::organization_id,
                        users::role,
                        users::email.assume_not_null(),
                        users::display_name.assume_not_null(),
                    ))
                    .limit(BATCH)
                    .for_update()
                    .skip_locked()
                    .load(conn)
                    .await?;
                for (id, organization_id, role, email, display_name) in &rows {
                    let who = Identity {
                        email: email.clone(),
                        display_name: display_name.clone(),
                    };
                    let columns = to_store(conn, vault, *organization_id, *id, *role, &who).await?;
                    diesel::update(users::table.find(id))
                        .set(columns)
                        .execute(conn)
                        .await?;
                }
                Ok(rows.len())
            })
            .await?;
        done += changed;
        if changed < usize::try_from(BATCH).unwrap_or(usize::MAX) {
            return Ok(done);
        }
    }
}

/// The name of a staff account, for a join that reaches staff alone (a
/// note's author, a care team's therapists, an alert's reviewer): staff
/// names are never sealed. A patient's row read through it fails loudly.
pub fn staff_name() -> diesel::helper_types::AssumeNotNull<users::display_name> {
    users::display_name.assume_not_null()
}
