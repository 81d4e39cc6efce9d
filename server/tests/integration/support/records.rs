//! Shortcuts for setting up patients' records in tests, below the router:
//! a signed-in person as the server would hold them, a therapist put on a
//! care team, a sealed value opened through an access.

use app::{
    backend::{
        audit::{Actor, Event, Origin},
        db::schema::users,
        identity::{account_identity, session::SignedIn},
        records::access::{self, Grant},
        records::care_team,
        vault::{Column, Sealed, Unreadable, Vault},
    },
    error::AppError,
    model::{
        Role,
        audit::{AuditAction, AuditOutcome},
    },
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// The accounts whose email is `email`, found as sign-in finds them: a
/// patient's email is sealed, so never by the column itself. (The vault of
/// the tests' configuration: its blind-index key is the development one.)
pub fn email_is(email: &str) -> account_identity::ByEmail {
    static VAULT: std::sync::LazyLock<Vault> = std::sync::LazyLock::new(|| {
        crate::support::app::config_for_urls("postgres://postgres@127.0.0.1/unused", None, &[])
            .vault
    });
    account_identity::with_email(&VAULT, &email.trim().to_lowercase())
}

/// The account `email` as a fresh session of theirs would hold it.
pub async fn signed_in(conn: &mut AsyncPgConnection, email: &str) -> SignedIn {
    let (user_id, organization_id, role): (Uuid, Uuid, Role) = users::table
        .filter(crate::support::records::email_is(email))
        .select((users::id, users::organization_id, users::role))
        .first(conn)
        .await
        .expect("an account");
    SignedIn {
        user_id,
        organization_id,
        role,
        authenticated_at: 0,
        idle_timeout_secs: 900,
        absolute_expires_at: i64::MAX,
        ip: None,
        user_agent: None,
        mfa_at: None,
        must_enroll: false,
    }
}

/// The account id of `email` (the first, where several practices have it).
pub async fn user_id(conn: &mut AsyncPgConnection, email: &str) -> Uuid {
    users::table
        .filter(crate::support::records::email_is(email))
        .order(users::created_at)
        .select(users::id)
        .first(conn)
        .await
        .expect("an account")
}

/// The record id of the patient with portal account `email`.
pub async fn record_of(conn: &mut AsyncPgConnection, email: &str) -> Uuid {
    use app::backend::db::schema::patients;
    let account = user_id(conn, email).await;
    patients::table
        .filter(patients::user_id.eq(account))
        .select(patients::id)
        .first(conn)
        .await
        .expect("a record")
}

/// The administrator of a second practice ("Other Practice"), signing in
/// with the demo password: (their practice, their account).
pub const OTHER_ADMIN: &str = "admin@other-practice.example";

pub async fn other_practice_admin(
    conn: &mut AsyncPgConnection,
    state: &app::backend::AppState,
) -> (Uuid, Uuid) {
    use app::backend::{
        identity::accounts::{NewAccount, create_with_password},
        organizations,
        seed::DEMO_PASSWORD,
    };
    let practice = organizations::find_or_create(conn, "Other Practice", "other-practice")
        .await
        .expect("practice");
    let admin = create_with_password(
        conn,
        &state.passwords,
        &state.vault,
        practice,
        NewAccount {
            email: OTHER_ADMIN.to_owned(),
            display_name: "Other Admin".to_owned(),
            role: Role::Admin,
            password: DEMO_PASSWORD.to_owned(),
        },
    )
    .await
    .expect("their administrator");
    (practice, admin)
}

/// Puts `therapist` on `patient`'s care team, as `by` (recorded, as the
/// application does).
pub async fn join_care_team(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    patient: Uuid,
    therapist: Uuid,
    by: Uuid,
) {
    let event = Event::new(
        AuditAction::CareTeamAdded,
        AuditOutcome::Allowed,
        Actor::Account(by),
        Origin::default(),
    )
    .about_patient(patient)
    .about_user(therapist);
    care_team::add(conn, organization_id, patient, therapist, by, event)
        .await
        .expect("on the care team");
}

/// Opens `stored` (`column` of row `row`) with the access `grant` allows,
/// recorded as a view: what the vault answers.
pub async fn open_with(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    grant: Grant,
    (column, row): (Column, Uuid),
    stored: Vec<u8>,
) -> Result<String, Unreadable> {
    let action = AuditAction::RecordViewed;
    access::within(conn, vault, grant, action, |conn, vault, access| {
        Box::pin(async move {
            let sealed = Sealed::<String>::from_stored(stored);
            let opened = sealed.open(vault, conn, access, column, row).await;
            Ok::<_, AppError>(opened.map(|text| text.expose().clone()))
        })
    })
    .await
    .expect("the transaction")
}

/// A patient named `name` (with a data key of their own) in a new practice
/// of its own, below the router; answers the practice.
pub async fn patient_in_own_practice(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    name: &str,
) -> Uuid {
    use app::backend::{
        organizations,
        records::patients::{self, NewPatient},
    };
    let org = organizations::find_or_create(conn, "Key Practice", "keys")
        .await
        .expect("practice");
    let new = NewPatient {
        legal_name: name.into(),
        date_of_birth: time::macros::date!(1990 - 01 - 01),
        email: None,
        phone: None,
        user_id: None,
    };
    patients::create(conn, vault, org, &new)
        .await
        .expect("patient");
    org
}
