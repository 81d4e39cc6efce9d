//! How long the practice keeps records: an administrator sets the period
//! and the age of majority (each checked beside its field, refused for
//! anyone else, recorded with what it replaced).

use crate::charts::{ADMIN, AVERY, ROWAN};
use crate::plans::refused_on;
use crate::support::TestApp;
use app::model::PracticeSettings;
use http::StatusCode;

fn settings(body: &str) -> PracticeSettings {
    serde_json::from_str(body).expect("settings")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_administrator_sets_how_long_records_are_kept() {
    let app = TestApp::with_demo().await;
    let mut admin = app.signed_in(ADMIN).await;
    let before = settings(&admin.fetch("/api/practice-settings").await.body);
    assert_eq!((before.retention_years, before.age_of_majority), (7, 18));

    // Out of range, not a whole number, or missing: said beside the field,
    // and nothing changes.
    for (years, age, wrong) in [
        ("0", "18", "retention_years"),
        ("7.5", "18", "retention_years"),
        ("", "18", "retention_years"),
        ("7", "99", "age_of_majority"),
        ("7", "eighteen", "age_of_majority"),
    ] {
        let reply = admin
            .call(
                "/api/practice-retention",
                &[("retention_years", years), ("age_of_majority", age)],
            )
            .await;
        refused_on(&reply, wrong);
    }
    let same = settings(&admin.fetch("/api/practice-settings").await.body);
    assert_eq!((same.retention_years, same.age_of_majority), (7, 18));

    // Nobody else may change it.
    for email in [ROWAN, AVERY] {
        let mut other = app.signed_in(email).await;
        let reply = other
            .call(
                "/api/practice-retention",
                &[("retention_years", "1"), ("age_of_majority", "18")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{email}");
    }

    let reply = admin
        .call(
            "/api/practice-retention",
            &[("retention_years", "10"), ("age_of_majority", "21")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let after = settings(&admin.fetch("/api/practice-settings").await.body);
    assert_eq!((after.retention_years, after.age_of_majority), (10, 21));

    let details = crate::time_zone::practice_changes(&app).await;
    assert_eq!(details.len(), 1, "{details:?}");
    assert_eq!(details[0]["retention_years"], "10");
    assert_eq!(details[0]["was_retention_years"], "7");
    assert_eq!(details[0]["age_of_majority"], "21");
    assert_eq!(details[0]["was_age_of_majority"], "18");
}
