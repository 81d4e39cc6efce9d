//! No health information at rest in the clear: canary strings go in
//! through the app (a patient's details, a note, its addendum, a
//! psychotherapy note, a diagnosis, a treatment plan, a safety plan, the
//! patient's further details (pronouns, gender, language, address, emergency
//! contact, insurance), a disclosure of the record, and free text staff
//! type about people: an emergency access reason, an alert review's note,
//! a legal hold's reasons, a release of information signed on paper
//! (`consents.rs`);
//! the patient's portal invitation, its use, their sign-ins right and
//! wrong, a change of their contact details, a questionnaire they answer
//! and a clinician's note acknowledging it, an amendment they ask for
//! with its extension, denial and their disagreement, a security notice
//! mailed to them; and a user agent, which is free text anyone sends), then every
//! row of every table the catalogue lists is read back as PostgreSQL's
//! text for it and searched for them, as text and as hex (how bytea
//! prints); so are the server's log lines and the mail it sent.

use crate::support::records::join_care_team;
use app::backend::{
    db::schema::users,
    records::patients::{self, NewPatient},
    seed::DEMO_PASSWORD,
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;
use time::macros::date;
use uuid::Uuid;

mod consents;
mod values;

use values::*;

/// Every line the server logs while the test runs on this thread (the
/// in-process router runs here), as its development format writes them.
#[derive(Clone, Default)]
struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

#[derive(QueryableByName)]
struct TableName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
}

#[tokio::test]
async fn no_table_log_or_mail_holds_a_canary_in_the_clear() {
    let logs = Logs::default();
    let writer = logs.clone();
    let _logging = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish(),
    );
    let (app, mail) = crate::mail::mailing_app(&[("CAIRN_SENSITIVE_LIMIT", "1000")]).await;
    // Tests on other threads (no subscriber there) may have met a log
    // line's call site first, while this subscriber was being set: asked
    // again, every call site sees that this thread listens.
    tracing::callsite::rebuild_interest_cache();
    let mut conn = app.db.conn().await;
    let (rowan, org): (Uuid, Uuid) = users::table
        .filter(crate::support::records::email_is(
            "rowan.ellis@juniper-creek.example",
        ))
        .select((users::id, users::organization_id))
        .first(&mut conn)
        .await
        .expect("therapist");
    let new = NewPatient {
        legal_name: NAME.to_owned(),
        date_of_birth: date!(1977 - 07 - 17),
        email: Some(EMAIL.to_owned()),
        phone: Some(PHONE.to_owned()),
        user_id: None,
    };
    let patient = patients::create(&mut conn, &app.state.vault, org, &new)
        .await
        .expect("patient");
    join_care_team(&mut conn, org, patient, rowan, rowan).await;

    // Through the router, as the therapist's browser does.
    let mut browser = app.browser();
    browser.user_agent = Some(AGENT.to_owned());
    browser
        .sign_in("rowan.ellis@juniper-creek.example", DEMO_PASSWORD)
        .await;
    let patient_id = patient.to_string();
    let today = app::backend::dates::day(time::OffsetDateTime::now_utc().date());
    let saved = browser
        .call(
            "/api/save-note",
            &[
                ("patient_id", &patient_id),
                ("template", "dap"),
                ("session_date", &today),
                ("data", NOTE),
                ("assessment", NOTE),
                ("plan", NOTE),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let saved: app::model::chart::SavedNote = serde_json::from_str(&saved.body).expect("saved");
    let id = saved.id.to_string();
    let signed = browser
        .call("/api/sign-note", &[("note_id", &id), ("version", "1")])
        .await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    let added = browser
        .call("/api/add-addendum", &[("note_id", &id), ("text", ADDENDUM)])
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let added = browser
        .call(
            "/api/add-diagnosis",
            &[
                ("patient_id", &patient_id),
                ("code", CODE),
                ("description", DIAGNOSIS),
                ("onset_date", &today),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let private = browser
        .call(
            "/api/save-note",
            &[
                ("patient_id", &patient_id),
                ("kind", "psychotherapy"),
                ("template", "dap"),
                ("session_date", &today),
                ("data", PSYCHOTHERAPY),
            ],
        )
        .await;
    assert_eq!(private.status, StatusCode::OK, "{}", private.body);
    let private: app::model::chart::SavedNote = serde_json::from_str(&private.body).expect("saved");
    let review =
        app::backend::dates::day(time::OffsetDateTime::now_utc().date() + time::Duration::days(30));
    let planned = browser
        .call(
            "/api/save-plan",
            &[
                ("patient_id", &patient_id),
                ("version", "0"),
                ("goals", GOAL),
                ("objectives", GOAL),
                ("interventions", INTERVENTION),
                ("review_date", &review),
            ],
        )
        .await;
    assert_eq!(planned.status, StatusCode::OK, "{}", planned.body);
    let safety = browser
        .call(
            "/api/save-safety-plan",
            &[
                ("patient_id", &patient_id),
                ("version", "0"),
                ("helpers", HELPER),
            ],
        )
        .await;
    assert_eq!(safety.status, StatusCode::OK, "{}", safety.body);
    let details = browser
        .call(
            "/api/save-details",
            &[
                ("patient_id", &patient_id),
                ("pronouns", PRONOUNS),
                ("gender_identity", "canary-gender-51aa"),
                ("language", "canary-language-e07c"),
                ("address_line1", STREET),
                ("city", "Canaryville"),
                ("postal_code", "62704"),
                ("country", "US"),
                ("contact_name", CONTACT),
                ("contact_phone", "555 0100 199"),
            ],
        )
        .await;
    assert_eq!(details.status, StatusCode::OK, "{}", details.body);
    let insured = browser
        .call(
            "/api/add-insurance",
            &[
                ("patient_id", &patient_id),
                ("payer", PAYER),
                ("member_id", MEMBER),
                ("subscriber", "other"),
                ("subscriber_name", "canary-subscriber-0c7d"),
                ("subscriber_date_of_birth", "1966-06-16"),
            ],
        )
        .await;
    assert_eq!(insured.status, StatusCode::OK, "{}", insured.body);
    let disclosed = browser
        .call(
            "/api/record-disclosure",
            &[
                ("patient_id", &patient_id),
                ("recipient", RECIPIENT),
                ("description", DISCLOSED),
                ("kind", "other"),
                ("purpose", "canary-purpose-90d2 subpoena"),
                ("legal_basis", "court-order"),
            ],
        )
        .await;
    assert_eq!(disclosed.status, StatusCode::OK, "{}", disclosed.body);
    // Reading them puts them through the audit trail and the session too.
    for path in [
        format!("/api/chart?patient_id={patient}"),
        format!("/api/note?note_id={id}"),
        format!("/api/caseload?search={}", NAME.replace(' ', "%20")),
    ] {
        let reply = browser.fetch(&path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    }
    let read = browser
        .fetch(&format!("/api/note?note_id={}", private.id))
        .await;
    assert!(
        read.body.contains(PSYCHOTHERAPY),
        "its author reads it back"
    );
    let note = browser.fetch(&format!("/api/note?note_id={id}")).await;
    assert!(
        note.body.contains(NOTE) && note.body.contains(ADDENDUM),
        "the app reads them back"
    );
    let chart = browser
        .fetch(&format!("/api/chart?patient_id={patient}"))
        .await;
    for canary in [
        DIAGNOSIS,
        CODE,
        GOAL,
        INTERVENTION,
        HELPER,
        STREET,
        CONTACT,
        PRONOUNS,
        PAYER,
        MEMBER,
    ] {
        assert!(chart.body.contains(canary), "the chart reads {canary} back");
    }

    // Another therapist breaks the glass, with a reason; an administrator
    // reviews the alert it raised, with a note.
    let mut sam = app.signed_in("sam.okafor@juniper-creek.example").await;
    sam.user_agent = Some(AGENT.to_owned());
    crate::mfa::enroll(&mut sam).await;
    let broke = sam
        .call(
            "/api/emergency-access",
            &[("patient_id", &patient_id), ("reason", REASON)],
        )
        .await;
    assert_eq!(broke.status, StatusCode::OK, "{}", broke.body);
    let viewed = sam.fetch(&format!("/api/chart?patient_id={patient}")).await;
    assert_eq!(viewed.status, StatusCode::OK, "{}", viewed.body);
    // The watcher finds the emergency alert and its email goes out (the
    // mail is scanned with the rest).
    crate::alerts::watched(&app).await;
    crate::alert_delivery::send_due(&app).await;
    let mut admin = app.signed_in("admin@juniper-creek.example").await;
    let alerts = admin.fetch("/api/audit-alerts").await;
    assert_eq!(alerts.status, StatusCode::OK, "{}", alerts.body);
    let list: app::model::audit::AlertList = serde_json::from_str(&alerts.body).expect("alerts");
    let alert = list
        .alerts
        .iter()
        .find(|a| a.kind == app::model::audit::AlertKind::EmergencyAccess)
        .expect("an emergency alert");
    assert_eq!(
        alert.reason.as_deref(),
        Some(REASON),
        "administrators read the reason"
    );
    let reviewed = admin
        .call(
            "/api/audit-alert-review",
            &[
                ("alert", &alert.key),
                ("through", &alert.last_event_id.to_string()),
                ("note", REVIEW_NOTE),
            ],
        )
        .await;
    assert_eq!(reviewed.status, StatusCode::OK, "{}", reviewed.body);
    let again: app::model::audit::AlertList =
        serde_json::from_str(&admin.fetch("/api/audit-alerts").await.body).expect("alerts");
    assert!(
        again
            .alerts
            .iter()
            .any(|a| a.review.as_ref().and_then(|r| r.note.as_deref()) == Some(REVIEW_NOTE)),
        "administrators read the note back"
    );
    // A legal hold on the record, then its lifting, each with its reason.
    for (reason, lift) in [(HOLD, "false"), (LIFT, "true")] {
        let held = admin
            .call(
                "/api/legal-hold",
                &[
                    ("patient_id", &patient_id),
                    ("reason", reason),
                    ("lift", lift),
                ],
            )
            .await;
        assert_eq!(held.status, StatusCode::OK, "{}", held.body);
    }
    consents::paper_release(&mut admin, &patient_id).await;

    // The patient is invited to the portal by name and email, uses the
    // link, signs in, and changes how the practice reaches them; someone
    // tries their email with wrong passwords, and an address the practice
    // does not have.
    let invited = browser
        .call(
            "/api/invite",
            &[
                ("email", EMAIL),
                ("display_name", NAME),
                ("role", "patient"),
            ],
        )
        .await;
    assert_eq!(invited.status, StatusCode::OK, "{}", invited.body);
    let link: app::model::InvitationLink = serde_json::from_str(&invited.body).expect("link");
    let token = link
        .url
        .rsplit_once("/invite/")
        .expect("token")
        .1
        .to_owned();
    let mut portal = app.browser();
    portal.user_agent = Some(AGENT.to_owned());
    let page = portal.get(&format!("/invite/{token}")).await;
    assert!(page.body.contains(NAME), "the invitation page greets them");
    let view = portal
        .fetch(&format!("/api/invitation?token={token}"))
        .await;
    assert!(
        view.body.contains(NAME),
        "the link's holder sees their name"
    );
    let accepted = portal
        .call(
            "/api/accept-invitation",
            &[("token", &token), ("password", PORTAL_PASSWORD)],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    // No screen ties a portal account to a record yet; the seed does it
    // this way, and so does this test.
    let account = crate::support::records::user_id(&mut conn, EMAIL).await;
    diesel::update(app::backend::db::schema::patients::table.find(patient))
        .set(app::backend::db::schema::patients::user_id.eq(Some(account)))
        .execute(&mut conn)
        .await
        .expect("link the account");
    let mut portal = app.browser();
    portal.user_agent = Some(AGENT.to_owned());
    portal.sign_in(EMAIL, PORTAL_PASSWORD).await;
    let mine = portal.fetch("/api/my-information").await;
    assert!(mine.body.contains(NAME), "{}", mine.body);
    let moved = portal
        .call(
            "/api/my-contact",
            &[("email", MOVED_EMAIL), ("phone", MOVED_PHONE)],
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    // A PHQ-9 assigned, answered with the safety question positive, and
    // acknowledged with a note (which the review notice must not carry).
    let assigned = browser
        .call(
            "/api/assign-measure",
            &[
                ("patient_id", &patient_id),
                ("instrument", "phq9"),
                ("schedule", "once"),
            ],
        )
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.body);
    let measures: Option<app::model::measures::MyMeasures> =
        serde_json::from_str(&portal.fetch("/api/my-measures").await.body).expect("measures");
    let assignment = measures.expect("a record").due[0].assignment_id.to_string();
    let mut form: Vec<(&str, &str)> = vec![("assignment_id", &assignment), ("finish", "yes")];
    form.extend(
        [
            "item1", "item2", "item3", "item4", "item5", "item6", "item7", "item8", "item9",
        ]
        .map(|item| (item, "2")),
    );
    let sent = portal.call("/api/answer-questionnaire", &form).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let mailer = app.state.mailer.clone().expect("mail configured");
    let told =
        app::backend::records::measures::review::notify(&mut conn, &app.state.vault, &mailer)
            .await
            .expect("notify");
    assert_eq!(told, 1, "the care team is told");
    let chart: app::model::chart::Chart = serde_json::from_str(
        &browser
            .fetch(&format!("/api/chart?patient_id={patient}"))
            .await
            .body,
    )
    .expect("chart");
    let response = chart.measures.trends[0].points[0].response_id.to_string();
    let acknowledged = browser
        .call(
            "/api/acknowledge-measure",
            &[("response_id", &response), ("note", ACKNOWLEDGEMENT)],
        )
        .await;
    assert_eq!(acknowledged.status, StatusCode::OK, "{}", acknowledged.body);
    let chart = browser
        .fetch(&format!("/api/chart?patient_id={patient}"))
        .await;
    assert!(
        chart.body.contains(ACKNOWLEDGEMENT),
        "the team reads it back"
    );
    // An amendment asked for, extended, denied and disagreed with.
    crate::amendments::the_whole_exchange(
        &mut portal,
        &mut browser,
        patient,
        [AMENDMENT, EXTENSION, DENIAL, DISAGREEMENT],
    )
    .await;
    let changed = portal
        .call(
            "/api/change-password",
            &[
                ("current_password", PORTAL_PASSWORD),
                ("new_password", "canary-password-61d8 meadow"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let mut stranger = app.browser();
    stranger.user_agent = Some(AGENT.to_owned());
    stranger.fail_sign_in(EMAIL, PORTAL_PASSWORD, 2).await;
    stranger
        .fail_sign_in(UNKNOWN_EMAIL, PORTAL_PASSWORD, 1)
        .await;
    assert!(
        crate::mail::send_pending(&app).await >= 1,
        "the patient is told their password changed"
    );

    // Read as the owner: the catalogue shows a role only the tables it may
    // touch, and the scan must see every one.
    let mut conn = app.db.owner_conn().await;
    let tables: Vec<TableName> = diesel::sql_query(
        "SELECT table_name::text AS table_name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .load(&mut conn)
    .await
    .expect("tables");
    assert!(tables.len() >= 10, "every table, found {}", tables.len());
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let needles = [
        NAME,
        "canarybrook",
        EMAIL,
        PHONE,
        BORN,
        "canary-note-b81f",
        "canary-addendum-4c2e",
        "canary-diagnosis-7d1a",
        CODE,
        "canary-goal-e93b",
        INTERVENTION,
        "canary-helper-6f3a",
        "canary-street-2d9b",
        "canary-contact-70ae",
        PRONOUNS,
        "canary-gender-51aa",
        "canary-language-e07c",
        "Canaryville",
        "canary-payer-8b2e",
        MEMBER,
        "canary-subscriber-0c7d",
        "1966-06-16",
        "canary-recipient-4e7b",
        "canary-disclosed-a15c",
        "canary-purpose-90d2",
        "canary-psychotherapy-3e6d",
        "canary-reason-91c4",
        "canary-review-2b7e",
        "canary-acknowledgement-8e2c",
        "canary-amendment-3f9a",
        "canary-extension-c2b8",
        "canary-denial-7a41",
        "canary-disagree-e55c",
        "canary-hold-6c1e",
        "canary-lift-d3a8",
        "canary-signed-5e0a",
        "canary-release-to-1b9e",
        "canary-released-7f3c",
        "canary-release-why-2c4d",
        "canary-agent-5a0f",
        "canary-password-61d8",
        MOVED_EMAIL,
        MOVED_PHONE,
        "15550188777",
        UNKNOWN_EMAIL,
    ];
    // The link's token is a secret: never stored, never logged.
    let needles: Vec<&str> = needles.into_iter().chain([token.as_str()]).collect();
    let mut rows_read = 0;
    for TableName { table_name } in tables {
        // Names come from the catalogue, quoted as identifiers.
        let rows = crate::support::db::rows_as_text(
            &mut conn,
            &format!(
                "SELECT t::text AS row FROM \"{}\" t",
                table_name.replace('"', "\"\"")
            ),
        )
        .await;
        rows_read += rows.len();
        for row in rows {
            let lower = row.to_lowercase();
            for needle in &needles {
                assert!(
                    !lower.contains(&needle.to_lowercase()),
                    "{needle} in the clear in {table_name}"
                );
                assert!(
                    !lower.contains(&hex(&needle.to_lowercase())) && !row.contains(&hex(needle)),
                    "{needle} as hex in {table_name}"
                );
            }
        }
    }
    assert!(rows_read > 50, "rows were read: {rows_read}");

    // The log, and the mail but for the address it was sent to.
    let logged = logs.text();
    assert!(logged.lines().count() > 10, "lines were logged: {logged}");
    let sent = mail.lock().expect("lock").clone();
    let to_patient = format!("To: {EMAIL}");
    assert!(
        sent.iter().any(|m| m.contains(&to_patient)),
        "a notice went to the patient: {sent:?}"
    );
    let bodies: Vec<String> = sent
        .iter()
        .map(|m| m.replace(&to_patient, "To: (the patient)"))
        .collect();
    for (what, text) in
        std::iter::once(("the log", logged)).chain(bodies.into_iter().map(|b| ("a mail", b)))
    {
        let lower = text.to_lowercase();
        for needle in &needles {
            assert!(
                !lower.contains(&needle.to_lowercase()),
                "{needle} in {what}: {text}"
            );
        }
    }
}
