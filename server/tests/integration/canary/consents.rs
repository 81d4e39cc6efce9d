//! A release of information signed on paper, its every typed value a
//! canary: the name as signed, who may receive what, and why.

use super::values::{RELEASE_TO, RELEASED, SIGNED_AS};
use crate::support::app::Browser;
use http::StatusCode;
use uuid::Uuid;

/// Adds a release form and records patient `patient_id`'s paper release
/// on it, as `admin`.
pub(super) async fn paper_release(admin: &mut Browser, patient_id: &str) {
    let form = admin
        .call(
            "/api/add-consent-form",
            &[
                ("kind", "release"),
                ("title", "Release of information"),
                ("text", "I allow the release named below."),
            ],
        )
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let form: Uuid = serde_json::from_str(&form.body).expect("form id");
    let until =
        app::backend::dates::day(time::OffsetDateTime::now_utc().date() + time::Duration::days(60));
    let consented = admin
        .call(
            "/api/record-paper-consent",
            &[
                ("patient_id", patient_id),
                ("template_id", &form.to_string()),
                ("typed_name", SIGNED_AS),
                ("recipient", RELEASE_TO),
                ("released", RELEASED),
                ("purpose", "canary-release-why-2c4d a claim"),
                ("expires_on", &until),
            ],
        )
        .await;
    assert_eq!(consented.status, StatusCode::OK, "{}", consented.body);
}
