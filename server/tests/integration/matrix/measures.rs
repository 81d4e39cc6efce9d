//! The matrix, continued: questionnaires. The care team (and emergency
//! access) assigns, stops and acknowledges; each patient reads and answers
//! their own, and another patient is told a questionnaire not theirs does
//! not exist.

use super::*;

/// A patient's own questionnaire: theirs alone (another patient: not
/// found); staff keep none.
const OWN_QUESTIONNAIRE: Row = [S, A, H, F, F, F, F, F];

fn assign(patient: Uuid, instrument: &str) -> Call {
    Call::Post(
        "/api/assign-measure",
        vec![
            ("patient_id", patient.to_string()),
            ("instrument", instrument.into()),
            ("schedule", "weekly".into()),
        ],
    )
}

/// A PHQ-9 answered with `finish` ("yes" sends it), the safety question
/// positive.
fn answer(assignment: Uuid, finish: &str) -> Call {
    let mut form: Vec<(&'static str, String)> = ITEMS.iter().map(|i| (*i, "1".into())).collect();
    form.push(("assignment_id", assignment.to_string()));
    form.push(("finish", finish.into()));
    Call::Post("/api/answer-questionnaire", form)
}

const ITEMS: [&str; 9] = [
    "item1", "item2", "item3", "item4", "item5", "item6", "item7", "item8", "item9",
];

/// Patient A's active assignment of `instrument`.
async fn assignment(app: &TestApp, patient: Uuid, instrument: &str) -> Uuid {
    use app::backend::db::schema::measure_assignments;
    measure_assignments::table
        .filter(measure_assignments::patient_id.eq(patient))
        .filter(measure_assignments::instrument.eq(instrument))
        .filter(measure_assignments::stopped_at.is_null())
        .select(measure_assignments::id)
        .first(&mut app.db.conn().await)
        .await
        .expect("assigned")
}

/// Patient A sends the PHQ-9 of `assignment`: a response to acknowledge.
async fn flagged(app: &TestApp, people: &mut People, assignment: Uuid) -> Uuid {
    let (avery, _) = people.get(Who::PatientA);
    let reply = call(avery, &answer(assignment, "yes")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    use app::backend::db::schema::measure_responses;
    measure_responses::table
        .filter(measure_responses::assignment_id.eq(assignment))
        .select(measure_responses::id)
        .first(&mut app.db.conn().await)
        .await
        .expect("sent")
}

fn acknowledge(response: Uuid) -> Call {
    Call::Post(
        "/api/acknowledge-measure",
        vec![("response_id", response.to_string())],
    )
}

fn stop(assignment: Uuid) -> Call {
    Call::Post(
        "/api/stop-measure",
        vec![("assignment_id", assignment.to_string())],
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn everyone_against_questionnaires_is_answered_and_recorded() {
    let (app, mut people, patient) = setup().await;
    let not_on_team: Vec<Who> = EVERYONE
        .iter()
        .copied()
        .filter(|w| *w != Who::TherapistOnTeam)
        .collect();
    // One active assignment per instrument: the therapist in emergency
    // access assigns the PHQ-9, the one on the team the GAD-7.
    check(
        &app,
        &mut people,
        "assign-measure",
        &assign(patient, "phq9"),
        CHART_WRITE,
        &not_on_team,
    )
    .await;
    check(
        &app,
        &mut people,
        "assign-measure",
        &assign(patient, "gad7"),
        CHART_WRITE,
        &[Who::TherapistOnTeam],
    )
    .await;
    let phq9 = assignment(&app, patient, "phq9").await;
    let read = Call::Get(format!("/api/my-questionnaire?assignment_id={phq9}"));
    let table: Vec<(&str, Call, Row)> = vec![
        ("my-measures", Call::Get("/api/my-measures".into()), PORTAL),
        ("my-questionnaire", read, OWN_QUESTIONNAIRE),
        (
            "answer-questionnaire",
            answer(phq9, "no"),
            OWN_QUESTIONNAIRE,
        ),
    ];
    for (name, how, expected) in &table {
        check(&app, &mut people, name, how, *expected, &EVERYONE).await;
    }
    // Each flagged answer is acknowledged once: the first by the therapist
    // in emergency access, a second (after the PHQ-9 is assigned again) by
    // the one on the team.
    let first = flagged(&app, &mut people, phq9).await;
    check(
        &app,
        &mut people,
        "acknowledge-measure",
        &acknowledge(first),
        CHART_WRITE,
        &not_on_team,
    )
    .await;
    check(
        &app,
        &mut people,
        "stop-measure",
        &stop(phq9),
        CHART_WRITE,
        &not_on_team,
    )
    .await;
    let (rowan, _) = people.get(Who::TherapistOnTeam);
    let reply = call(rowan, &assign(patient, "phq9")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let again = assignment(&app, patient, "phq9").await;
    let second = flagged(&app, &mut people, again).await;
    check(
        &app,
        &mut people,
        "acknowledge-measure",
        &acknowledge(second),
        CHART_WRITE,
        &[Who::TherapistOnTeam],
    )
    .await;
    let gad7 = assignment(&app, patient, "gad7").await;
    check(
        &app,
        &mut people,
        "stop-measure",
        &stop(gad7),
        CHART_WRITE,
        &[Who::TherapistOnTeam],
    )
    .await;
}
