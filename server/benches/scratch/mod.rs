//! A scratch database for a benchmark: created fresh on the test server
//! (`CAIRN_TEST_DATABASE_URL`, default the local PostgreSQL), migrated, and
//! dropped afterwards whatever happened.

// Each benchmark uses some of these helpers, not all.
#![allow(dead_code)]

use app::backend::db::{DatabaseTarget, migrate};
use diesel::sql_query;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::future::Future;
use uuid::Uuid;

pub async fn with_database<F, Fut>(run: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<(), Box<dyn std::error::Error>>>,
{
    let admin_url = std::env::var("CAIRN_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let name = format!("cairn_bench_{}", Uuid::new_v4().simple());
    let (server, _) = admin_url.rsplit_once('/').expect("URL names a database");
    let url = format!("{server}/{name}");
    let mut admin = connect(&admin_url).await.expect("connect");
    sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create database");
    let result = match migrate::run_pending(&target(&url)).await {
        Ok(_) => run(url).await,
        Err(error) => Err(error.into()),
    };
    sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop database");
    result.expect("benchmark");
}

/// `url` read as Cairn reads `DATABASE_URL`.
pub fn target(url: &str) -> DatabaseTarget {
    DatabaseTarget::new(url, None).expect("a usable database URL")
}

/// One connection, opened the way Cairn opens every connection.
pub async fn connect(url: &str) -> Result<AsyncPgConnection, app::backend::db::ConnectError> {
    target(url).connect().await
}

/// A therapist of practice `organization_id`, a real account, signed in.
pub async fn therapist(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
) -> diesel::QueryResult<app::backend::identity::session::SignedIn> {
    use app::backend::db::schema::users;
    use app::model::Role;
    use diesel::ExpressionMethods;
    let who = app::backend::identity::session::SignedIn {
        user_id: Uuid::from_u128(0xbe0c),
        organization_id,
        role: Role::Therapist,
        authenticated_at: 0,
        idle_timeout_secs: 900,
        absolute_expires_at: i64::MAX,
        ip: None,
        user_agent: None,
        mfa_at: None,
        must_enroll: false,
    };
    diesel::insert_into(users::table)
        .values((
            users::id.eq(who.user_id),
            users::organization_id.eq(organization_id),
            users::email.eq("therapist@bench.example"),
            users::display_name.eq("Bench Therapist"),
            users::role.eq(who.role),
        ))
        .execute(conn)
        .await?;
    Ok(who)
}

/// Puts `who` on patient `patient`'s care team.
pub async fn on_care_team(
    conn: &mut AsyncPgConnection,
    who: &app::backend::identity::session::SignedIn,
    patient: Uuid,
) -> diesel::QueryResult<()> {
    use app::backend::db::schema::care_team;
    use diesel::ExpressionMethods;
    diesel::insert_into(care_team::table)
        .values((
            care_team::patient_id.eq(patient),
            care_team::therapist_id.eq(who.user_id),
            care_team::organization_id.eq(who.organization_id),
            care_team::added_by.eq(who.user_id),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// What [`patients_with_notes`] writes: how many patients, each with how
/// many signed DAP notes, on which day, and what the first line says.
pub struct Caseload {
    pub patients: usize,
    pub notes_each: usize,
    pub session_date: time::Date,
    pub data: &'static str,
}

/// Writes `caseload` into practice `organization_id` through the access
/// path, as `therapist` on each care team: patients born 1 January 1960,
/// each with their notes signed in one recorded transaction.
pub async fn patients_with_notes(
    conn: &mut AsyncPgConnection,
    vault: &app::backend::vault::Vault,
    organization_id: Uuid,
    therapist: &app::backend::identity::session::SignedIn,
    caseload: &Caseload,
) -> Result<(), Box<dyn std::error::Error>> {
    use app::{
        backend::{
            client::ClientInfo,
            records::{
                access,
                notes::{self, Draft, NoteBody},
                patients::{self, NewPatient},
            },
        },
        error::AppError,
        model::{
            audit::AuditAction,
            chart::{NoteKind, NoteTemplate},
        },
    };
    let caller = access::Caller::new(therapist.clone(), ClientInfo::default(), "bench");
    for n in 0..caseload.patients {
        let new = NewPatient {
            legal_name: format!("Bench Patient {n}"),
            date_of_birth: time::macros::date!(1960 - 01 - 01),
            email: Some(format!("patient{n}@bench.example")),
            phone: None,
            user_id: None,
        };
        let patient = patients::create(conn, vault, organization_id, &new).await?;
        on_care_team(conn, therapist, patient).await?;
        let grant = access::decide(conn, &caller, patient, access::Reach::Chart).await?;
        let author = therapist.user_id;
        let (notes_each, session_date, data) =
            (caseload.notes_each, caseload.session_date, caseload.data);
        access::within(conn, vault, grant, AuditAction::RecordSigned, move |conn, vault, access| {
            Box::pin(async move {
                for session in 0..notes_each {
                    let draft = Draft {
                        template: NoteTemplate::Dap,
                        session_date,
                        body: NoteBody(vec![
                            ("data".to_owned(), format!("Session {session}: {data}")),
                            ("assessment".to_owned(), "Mood steadier; anxiety lower than at intake (GAD-7 down four points).".to_owned()),
                            ("plan".to_owned(), "Continue weekly CBT; add a sleep diary; review the safety plan next session.".to_owned()),
                        ]),
                        kind: NoteKind::Progress,
                        shared: false,
                    };
                    let note = notes::create(conn, vault, access, Uuid::new_v4(), author, &draft).await?;
                    notes::sign(conn, vault, access, &note, note.version)
                        .await
                        .map_err(|_| AppError::Internal)?;
                }
                Ok::<_, AppError>(())
            })
        })
        .await?;
    }
    Ok(())
}
