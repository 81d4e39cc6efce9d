//! The matrix, continued: diagnoses, treatment plans, the roster, the
//! portal, adding patients and emergency access.

use super::*;

/// A diagnosis on patient A, recorded by the on-team therapist.
async fn diagnosis(app: &TestApp, people: &mut People, patient: Uuid) -> Uuid {
    let (rowan, _) = people.get(Who::TherapistOnTeam);
    let reply = call(rowan, &add_diagnosis(patient)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut conn = app.db.conn().await;
    use app::backend::db::schema::diagnoses;
    diagnoses::table
        .filter(diagnoses::patient_id.eq(patient))
        .order(diagnoses::created_at.desc())
        .select(diagnoses::id)
        .first(&mut conn)
        .await
        .expect("recorded")
}

fn today() -> String {
    app::backend::dates::day(time::OffsetDateTime::now_utc().date())
}

fn add_diagnosis(patient: Uuid) -> Call {
    Call::Post(
        "/api/add-diagnosis",
        vec![
            ("patient_id", patient.to_string()),
            ("code", "F41.1".into()),
            ("description", "Generalized anxiety disorder".into()),
            ("onset_date", today()),
        ],
    )
}

fn resolve(diagnosis: Uuid) -> Call {
    Call::Post(
        "/api/resolve-diagnosis",
        vec![
            ("diagnosis_id", diagnosis.to_string()),
            ("resolved_date", today()),
        ],
    )
}

fn save_plan(patient: Uuid, version: i32) -> Call {
    let review = time::OffsetDateTime::now_utc().date() + time::Duration::days(90);
    Call::Post(
        "/api/save-plan",
        vec![
            ("patient_id", patient.to_string()),
            ("version", version.to_string()),
            ("goals", "Sleep through the night".into()),
            ("review_date", app::backend::dates::day(review)),
        ],
    )
}

fn save_safety_plan(patient: Uuid, version: i32) -> Call {
    Call::Post(
        "/api/save-safety-plan",
        vec![
            ("patient_id", patient.to_string()),
            ("version", version.to_string()),
            ("warning_signs", "Stops answering the phone".into()),
        ],
    )
}

fn add_insurance(patient: Uuid) -> Call {
    Call::Post(
        "/api/add-insurance",
        vec![
            ("patient_id", patient.to_string()),
            ("payer", "Example Health Plan".into()),
            ("member_id", "XJ-1001".into()),
        ],
    )
}

/// A policy recorded by the on-team therapist on patient A: its id.
async fn policy(app: &TestApp, people: &mut People, patient: Uuid) -> Uuid {
    let (rowan, _) = people.get(Who::TherapistOnTeam);
    let reply = call(rowan, &add_insurance(patient)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut conn = app.db.conn().await;
    use app::backend::db::schema::insurance_policies;
    insurance_policies::table
        .filter(insurance_policies::patient_id.eq(patient))
        .order(insurance_policies::created_at.desc())
        .select(insurance_policies::id)
        .first(&mut conn)
        .await
        .expect("recorded")
}

#[tokio::test(flavor = "multi_thread")]
async fn everyone_against_diagnoses_plans_and_the_roster_is_answered_and_recorded() {
    let (app, mut people, patient) = setup().await;
    let first = diagnosis(&app, &mut people, patient).await;
    let second = diagnosis(&app, &mut people, patient).await;
    let insured = policy(&app, &mut people, patient).await;
    let all_but =
        |one: Who| -> Vec<Who> { EVERYONE.iter().copied().filter(|w| *w != one).collect() };
    let not_on_team = all_but(Who::TherapistOnTeam);
    let table: Vec<(&str, Call, Row, Vec<Who>)> = vec![
        (
            "add-diagnosis",
            add_diagnosis(patient),
            CHART_WRITE,
            EVERYONE.to_vec(),
        ),
        // A diagnosis is resolved once: the therapist in emergency access
        // resolves the first, the one on the team the second.
        (
            "resolve-diagnosis",
            resolve(first),
            CHART_WRITE,
            not_on_team.clone(),
        ),
        (
            "resolve-diagnosis",
            resolve(second),
            CHART_WRITE,
            vec![Who::TherapistOnTeam],
        ),
        // The first plan (version 0) by the therapist in emergency access,
        // then the on-team therapist's edit of it (version 1).
        (
            "save-plan",
            save_plan(patient, 0),
            CHART_WRITE,
            not_on_team.clone(),
        ),
        (
            "save-plan",
            save_plan(patient, 1),
            CHART_WRITE,
            vec![Who::TherapistOnTeam],
        ),
        // The safety plan likewise: first by emergency access, then the
        // team's edit of it.
        (
            "save-safety-plan",
            save_safety_plan(patient, 0),
            CHART_WRITE,
            not_on_team,
        ),
        (
            "save-safety-plan",
            save_safety_plan(patient, 1),
            CHART_WRITE,
            vec![Who::TherapistOnTeam],
        ),
        (
            "save-details",
            Call::Post(
                "/api/save-details",
                vec![
                    ("patient_id", patient.to_string()),
                    ("pronouns", "they/them".into()),
                ],
            ),
            CHART_WRITE,
            EVERYONE.to_vec(),
        ),
        (
            "add-insurance",
            add_insurance(patient),
            CHART_WRITE,
            EVERYONE.to_vec(),
        ),
        (
            "change-insurance",
            Call::Post(
                "/api/change-insurance",
                vec![
                    ("patient_id", patient.to_string()),
                    ("policy_id", insured.to_string()),
                    ("change", "primary".into()),
                ],
            ),
            CHART_WRITE,
            EVERYONE.to_vec(),
        ),
        // (Another practice's administrator: their own roster, below.)
        (
            "roster",
            Call::Get("/api/roster".into()),
            ROSTER,
            all_but(Who::AdminOfAnotherPractice),
        ),
    ];
    for (name, how, expected, order) in &table {
        check(&app, &mut people, name, how, *expected, order).await;
    }
    // Another practice's administrator sees their own practice's roster,
    // which names none of these patients (and so records nothing).
    let (other, _) = people.get(Who::AdminOfAnotherPractice);
    let reply = other.fetch("/api/roster").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let roster: app::model::roster::Roster = serde_json::from_str(&reply.body).expect("roster");
    assert!(roster.rows.is_empty(), "no patient of another practice");
    // Care team changes and removal name a patient: another practice's
    // administrator is told it does not exist.
    let (_, sam) = people.get(Who::TherapistInEmergency);
    let sam = sam.expect("Sam").to_string();
    let team = |remove: bool| {
        Call::Post(
            "/api/care-team",
            vec![
                ("patient_id", patient.to_string()),
                ("therapist_id", sam.clone()),
                ("remove", remove.to_string()),
            ],
        )
    };
    let admin_last: Vec<Who> = all_but(Who::Admin)
        .into_iter()
        .chain([Who::Admin])
        .collect();
    check(
        &app,
        &mut people,
        "care-team add",
        &team(false),
        ROSTER_PATIENT,
        &admin_last,
    )
    .await;
    check(
        &app,
        &mut people,
        "care-team remove",
        &team(true),
        ROSTER_PATIENT,
        &admin_last,
    )
    .await;
    let remove = Call::Post(
        "/api/remove-patient",
        vec![
            ("patient_id", patient.to_string()),
            ("confirm", "remove".into()),
        ],
    );
    check(
        &app,
        &mut people,
        "remove-patient",
        &remove,
        ROSTER_PATIENT,
        &admin_last,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn everyone_against_the_portal_is_answered_and_recorded() {
    let (app, mut people, _) = setup().await;
    let contact = Call::Post(
        "/api/my-contact",
        vec![
            ("email", "portal.matrix@patients.example".into()),
            ("phone", "555-0199".into()),
        ],
    );
    let table: Vec<(&str, Call)> = vec![
        ("my-information", Call::Get("/api/my-information".into())),
        ("my-care-team", Call::Get("/api/my-care-team".into())),
        ("my-plan", Call::Get("/api/my-plan".into())),
        ("my-safety-plan", Call::Get("/api/my-safety-plan".into())),
        ("my-contact", contact),
        (
            "my-details",
            Call::Post("/api/my-details", vec![("language", "Spanish".into())]),
        ),
    ];
    for (name, how) in &table {
        check(&app, &mut people, name, how, PORTAL, &EVERYONE).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn everyone_against_adding_patients_and_emergency_access_is_answered_and_recorded() {
    let (app, mut people, patient) = setup().await;
    for therapist in [Who::TherapistOnTeam, Who::TherapistOffTeam] {
        let (browser, _) = people.get(therapist);
        crate::mfa::enroll(browser).await;
    }
    let add = Call::Post(
        "/api/add-patient",
        vec![
            ("legal_name", "Robin Matrix".into()),
            ("date_of_birth", "1990-05-17".into()),
        ],
    );
    let emergency = Call::Post(
        "/api/emergency-access",
        vec![
            ("patient_id", patient.to_string()),
            ("reason", "Crisis call; the safety plan is needed".into()),
        ],
    );
    for (name, how) in [("add-patient", &add), ("emergency-access", &emergency)] {
        check(&app, &mut people, name, how, THERAPISTS, &EVERYONE).await;
    }
}
