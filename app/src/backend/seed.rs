//! The demo practice: obviously fake people for trying Cairn out.
//!
//! Every address is under `.example` (reserved, RFC 2606), every name is
//! invented, and the shared password is printed on purpose. `serve` refuses
//! to start in production while this practice exists.

use super::{
    audit::{Actor, Event, Origin},
    db::internal,
    identity::accounts::{NewAccount, create_with_password},
    identity::password::Passwords,
    organizations,
    records::care_team,
    records::patients::{self, NewPatient},
    vault::Vault,
};
use crate::{
    error::AppError,
    model::{
        Role,
        audit::{AuditAction, AuditOutcome},
    },
};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use time::{Date, macros::date};
use uuid::Uuid;

pub const DEMO_PRACTICE_NAME: &str = "Juniper Creek Counseling (demo)";
pub const DEMO_PRACTICE_SLUG: &str = "juniper-creek-demo";
/// DEMO ONLY. Printed by `cairn seed-demo`; never valid in production.
pub const DEMO_PASSWORD: &str = "demo-only-password";

/// A former patient of the demo practice: first seen ten years ago, removed
/// from the lists nine years ago, no portal account. Their record's
/// retention (seven years) has ended, so the retention page shows one
/// record that may be erased. (legal name, date of birth)
pub const DEMO_FORMER_PATIENT: (&str, Date) = ("Robin Former-Example", date!(1970 - 07 - 01));

/// (display name, email, role) of every demo account.
pub const DEMO_ACCOUNTS: &[(&str, &str, Role)] = &[
    ("Morgan Reyes", "admin@juniper-creek.example", Role::Admin),
    (
        "Dr. Rowan Ellis",
        "rowan.ellis@juniper-creek.example",
        Role::Therapist,
    ),
    (
        "Sam Okafor, LCSW",
        "sam.okafor@juniper-creek.example",
        Role::Therapist,
    ),
    ("Avery Quinn", "avery.quinn@patients.example", Role::Patient),
    ("Jordan Lee", "jordan.lee@patients.example", Role::Patient),
    (
        "Priya Natarajan",
        "priya.natarajan@patients.example",
        Role::Patient,
    ),
    (
        "Mateo Alvarez",
        "mateo.alvarez@patients.example",
        Role::Patient,
    ),
    (
        "Harper Nguyen",
        "harper.nguyen@patients.example",
        Role::Patient,
    ),
];

/// Whether seeding created the practice or found it already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seeded {
    Created,
    AlreadyPresent,
}

/// The demo patients' records (sealed like any patient's): a birthday and
/// a phone number from the range reserved for fiction (555-01xx).
const DEMO_RECORDS: &[(&str, Date, &str)] = &[
    (
        "avery.quinn@patients.example",
        date!(1988 - 03 - 14),
        "555-0101",
    ),
    (
        "jordan.lee@patients.example",
        date!(1995 - 11 - 02),
        "555-0102",
    ),
    (
        "priya.natarajan@patients.example",
        date!(1979 - 06 - 21),
        "555-0103",
    ),
    (
        "mateo.alvarez@patients.example",
        date!(2001 - 09 - 30),
        "555-0104",
    ),
    (
        "harper.nguyen@patients.example",
        date!(1968 - 01 - 09),
        "555-0105",
    ),
];

/// (therapist, patient) emails: who treats whom. Priya sees both
/// therapists; each therapist has patients the other cannot open.
const DEMO_CARE_TEAMS: &[(&str, &str)] = &[
    (
        "rowan.ellis@juniper-creek.example",
        "avery.quinn@patients.example",
    ),
    (
        "rowan.ellis@juniper-creek.example",
        "jordan.lee@patients.example",
    ),
    (
        "rowan.ellis@juniper-creek.example",
        "priya.natarajan@patients.example",
    ),
    (
        "sam.okafor@juniper-creek.example",
        "priya.natarajan@patients.example",
    ),
    (
        "sam.okafor@juniper-creek.example",
        "mateo.alvarez@patients.example",
    ),
    (
        "sam.okafor@juniper-creek.example",
        "harper.nguyen@patients.example",
    ),
];

/// Creates the demo practice, its accounts and the patients' records,
/// once, in one transaction: a failure leaves nothing half-made, and
/// running it again changes nothing.
pub async fn seed_demo(
    conn: &mut AsyncPgConnection,
    passwords: &Passwords,
    vault: &Vault,
) -> Result<Seeded, AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        if demo_present(conn).await? {
            return Ok(Seeded::AlreadyPresent);
        }
        let organization_id =
            organizations::find_or_create(conn, DEMO_PRACTICE_NAME, DEMO_PRACTICE_SLUG).await?;
        // (email, account id, their record's id when a patient)
        let mut made: Vec<(&str, Uuid, Option<Uuid>)> = Vec::new();
        for (display_name, email, role) in DEMO_ACCOUNTS {
            let account = NewAccount {
                email: (*email).to_owned(),
                display_name: (*display_name).to_owned(),
                role: *role,
                password: DEMO_PASSWORD.to_owned(),
            };
            let user_id =
                create_with_password(conn, passwords, vault, organization_id, account).await?;
            let mut record_id = None;
            if let Some((_, born, phone)) = DEMO_RECORDS.iter().find(|(e, ..)| e == email) {
                let record = NewPatient {
                    legal_name: (*display_name).to_owned(),
                    date_of_birth: *born,
                    email: Some((*email).to_owned()),
                    phone: Some((*phone).to_owned()),
                    user_id: Some(user_id),
                };
                record_id = Some(patients::create(conn, vault, organization_id, &record).await?);
            }
            made.push((email, user_id, record_id));
        }
        let find = |email: &str| made.iter().find(|(e, ..)| *e == email).copied();
        let admin = find(DEMO_ACCOUNTS[0].1).map(|(_, id, _)| id);
        for (therapist, patient) in DEMO_CARE_TEAMS {
            let (Some(admin), Some((_, therapist, _)), Some((_, _, Some(patient)))) =
                (admin, find(therapist), find(patient))
            else {
                continue;
            };
            let event = Event::new(
                AuditAction::CareTeamAdded,
                AuditOutcome::Allowed,
                Actor::Account(admin),
                Origin::default(),
            )
            .about_patient(patient)
            .about_user(therapist)
            .because("demo practice set up");
            care_team::add(conn, organization_id, patient, therapist, admin, event).await?;
        }
        former_patient(conn, vault, organization_id, admin).await?;
        Ok(Seeded::Created)
    })
    .await
}

/// [`DEMO_FORMER_PATIENT`]'s record, dated back.
async fn former_patient(
    conn: &mut AsyncPgConnection,
    vault: &Vault,
    organization_id: Uuid,
    admin: Option<Uuid>,
) -> Result<(), AppError> {
    use super::db::schema::patients as table;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let (legal_name, date_of_birth) = DEMO_FORMER_PATIENT;
    let record = NewPatient {
        legal_name: legal_name.to_owned(),
        date_of_birth,
        email: None,
        phone: None,
        user_id: None,
    };
    let id = patients::create(conn, vault, organization_id, &record).await?;
    let now = time::OffsetDateTime::now_utc();
    diesel::update(table::table.find(id))
        .set((
            table::created_at.eq(now - time::Duration::days(10 * 365)),
            table::deleted_at.eq(now - time::Duration::days(9 * 365)),
            table::deleted_by.eq(admin),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// True when the demo practice exists (production refuses to serve then).
pub async fn demo_present(conn: &mut AsyncPgConnection) -> Result<bool, AppError> {
    organizations::find_by_slug(conn, DEMO_PRACTICE_SLUG)
        .await
        .map(|found| found.is_some())
        .map_err(internal)
}
