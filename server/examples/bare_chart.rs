//! The load benchmark's baseline (`bench/chart-load.sh`): a bare
//! server-rendered page of the same rows a chart page reads — the patient's
//! row, the care team's names, the list of notes — from the same database,
//! with everything Cairn's security path adds left out: no session, no
//! policy, no vault (sealed values are shown as their length), no audit
//! trail, no security headers. Comparing the two says what the security
//! path costs. Never part of Cairn itself.
//!
//! ```text
//! DATABASE_URL=postgres://… cargo run --release -p server --features app/ssr \
//!     --example bare_chart -- 127.0.0.1:3301
//! ```

use app::backend::db::{
    Database,
    schema::{care_team, clinical_notes, patients, users},
};
use axum::{
    Router,
    extract::{Path, State},
    http::StatusCode,
    response::Html,
    routing::get,
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use leptos::prelude::*;
use uuid::Uuid;

/// The same allocator as `cairn`, so the comparison is of the work alone.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3301".into());
    let target = app::backend::db::DatabaseTarget::new(&url, None).expect("DATABASE_URL");
    let db = Database::new(&target, 10);
    db.set_schema_ready();
    let app = Router::new().route("/bare/{id}", get(page)).with_state(db);
    let listener = tokio::net::TcpListener::bind(&bind).await.expect("bind");
    axum::serve(listener, app).await.expect("serve");
}

type NoteRow = (Uuid, time::Date, String, String, String);

async fn page(
    State(db): State<Database>,
    Path(id): Path<Uuid>,
) -> Result<Html<String>, StatusCode> {
    let mut conn = db
        .conn()
        .await
        .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    let fail = |_| StatusCode::INTERNAL_SERVER_ERROR;
    let (name, born): (Vec<u8>, Vec<u8>) = patients::table
        .find(id)
        .select((patients::legal_name_sealed, patients::date_of_birth_sealed))
        .first(&mut conn)
        .await
        .map_err(|_| StatusCode::NOT_FOUND)?;
    let team: Vec<String> = care_team::table
        .inner_join(users::table.on(users::id.eq(care_team::therapist_id)))
        .filter(care_team::patient_id.eq(id))
        .select(app::backend::identity::account_identity::staff_name())
        .order(app::backend::identity::account_identity::staff_name())
        .load(&mut conn)
        .await
        .map_err(fail)?;
    let notes: Vec<NoteRow> = clinical_notes::table
        .inner_join(users::table.on(users::id.eq(clinical_notes::author_id)))
        .filter(clinical_notes::patient_id.eq(id))
        .filter(clinical_notes::deleted_at.is_null())
        .order(clinical_notes::session_date.desc())
        .select((
            clinical_notes::id,
            clinical_notes::session_date,
            clinical_notes::template,
            clinical_notes::status,
            app::backend::identity::account_identity::staff_name(),
        ))
        .load(&mut conn)
        .await
        .map_err(fail)?;
    let body = view! {
        <main>
            <h1>{format!("Patient ({} bytes sealed)", name.len())}</h1>
            <p>{format!("Born ({} bytes sealed)", born.len())}</p>
            <p>{format!("Care team: {}", team.join(", "))}</p>
            <ul>
                {notes.into_iter().map(|(id, date, template, status, author)| view! {
                    <li><a href=format!("/notes/{id}")>{format!("Session {date} · {template} · {status} · {author}")}</a></li>
                }).collect_view()}
            </ul>
        </main>
    }
    .to_html();
    Ok(Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Chart</title></head><body>{body}</body></html>"
    )))
}
