//! A patient's further details through the full router against
//! PostgreSQL: checked field by field (bad input changes nothing), sealed
//! column by column, recorded as the patient's details, written by the
//! care team in full and by the patient in their own parts only, and shown
//! on the chart and in the portal.

use crate::charts::{AVERY, ROWAN, error, record_of};
use crate::plans::{chart, refused_on};
use crate::support::{TestApp, app::Browser, app::Reply};
use app::{
    backend::db::schema::{audit_events, insurance_policies, patients},
    model::{audit::AuditAction, details::Subscriber, patient::MyInformation},
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use http::StatusCode;

async fn save(browser: &mut Browser, path: &str, form: &[(&str, &str)]) -> Reply {
    browser.call(path, form).await
}

async fn my_information(browser: &mut Browser) -> MyInformation {
    let reply = browser.fetch("/api/my-information").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str::<Option<MyInformation>>(&reply.body)
        .expect("MyInformation")
        .expect("a record")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_care_team_records_details_and_the_patient_keeps_their_own_current() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let patient = avery.to_string();
    let mut rowan = app.signed_in(ROWAN).await;

    // Bad input: each message beside its field, and nothing stored.
    let reply = save(
        &mut rowan,
        "/api/save-details",
        &[
            ("patient_id", &patient),
            ("preferred_name", "Ave"),
            ("sex_at_birth", "Unknown"),
            ("address_line1", "12 Canal Street"),
            ("postal_code", "1234"),
            ("country", "US"),
            ("contact_relationship", "Sister"),
            ("contact_phone", "12"),
        ],
    )
    .await;
    assert!(refused_on(&reply, "postal_code").contains("12345"));
    for field in ["sex_at_birth", "city", "contact_name", "contact_phone"] {
        assert!(
            error(&reply).field(field).is_some(),
            "{field}: {}",
            reply.body
        );
    }
    let stored: Option<Vec<u8>> = patients::table
        .find(avery)
        .select(patients::preferred_name_sealed)
        .first(&mut conn)
        .await
        .expect("row");
    assert!(stored.is_none(), "bad input stores nothing");

    let reply = save(
        &mut rowan,
        "/api/save-details",
        &[
            ("patient_id", &patient),
            ("preferred_name", "Ave"),
            ("pronouns", "they/them"),
            ("gender_identity", "Non-binary"),
            ("sex_at_birth", "Female"),
            ("language", "English"),
            ("address_line1", "12 Canal Street"),
            ("city", "Springfield"),
            ("region", "IL"),
            ("postal_code", "62704"),
            ("country", "US"),
            ("contact_name", "Jamie Quinn"),
            ("contact_relationship", "Sister"),
            ("contact_phone", "+1 555 0100 142"),
            ("contact_may_disclose", "yes"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let (action, kind): (AuditAction, Option<String>) = audit_events::table
        .order(audit_events::id.desc())
        .select((audit_events::action, audit_events::resource_type))
        .first(&mut conn)
        .await
        .expect("an event");
    assert_eq!(action, AuditAction::RecordUpdated);
    assert_eq!(kind.as_deref(), Some("patient_details"));
    let details = chart(&mut rowan, avery).await.details;
    assert_eq!(details.preferred_name.as_deref(), Some("Ave"));
    assert_eq!(details.gender_identity.as_deref(), Some("Non-binary"));
    // Staff see how Avery asks to be addressed wherever Avery is named.
    let reply = rowan.fetch("/api/caseload").await;
    let caseload: app::model::chart::Caseload =
        serde_json::from_str(&reply.body).expect("Caseload");
    let row = caseload
        .rows
        .iter()
        .find(|r| r.patient_id == avery)
        .expect("on the caseload");
    assert_eq!(row.goes_by.as_deref(), Some("goes by Ave · they/them"));
    let reply = rowan
        .fetch(&format!("/api/patient-name?patient_id={avery}"))
        .await;
    assert_eq!(
        reply.body.trim(),
        "\"Avery Quinn (goes by Ave · they/them)\""
    );
    let contact = details.emergency_contact.expect("a contact");
    assert_eq!(
        (contact.name.as_str(), contact.may_disclose),
        ("Jamie Quinn", true)
    );
    // Sealed, column by column: the street is in no column's bytes.
    let (address, contact_bytes): (Option<Vec<u8>>, Option<Vec<u8>>) = patients::table
        .find(avery)
        .select((patients::address_sealed, patients::emergency_contact_sealed))
        .first(&mut conn)
        .await
        .expect("row");
    let address = address.expect("sealed address");
    assert!(!address.windows(5).any(|w| w == b"Canal"));
    assert!(
        !contact_bytes
            .expect("sealed contact")
            .windows(5)
            .any(|w| w == b"Jamie")
    );

    // The patient moves: their address changes, their emergency contact
    // goes, and what only the care team records stays as it was (the
    // portal's form has no such fields, and sending them changes nothing).
    let mut avery_browser = app.signed_in(AVERY).await;
    let reply = save(
        &mut avery_browser,
        "/api/my-details",
        &[
            ("preferred_name", "Ave"),
            ("pronouns", "they/them"),
            ("address_line1", "4 Harbour Road"),
            ("city", "Halifax"),
            ("postal_code", "b3h 1a1"),
            ("country", "CA"),
            ("gender_identity", "Man"),
            ("sex_at_birth", "Male"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mine = my_information(&mut avery_browser).await;
    let address = mine.details.address.expect("the new address");
    assert_eq!(address.postal_code, "B3H 1A1");
    assert_eq!(address.city, "Halifax");
    assert!(mine.details.emergency_contact.is_none());
    assert!(mine.details.language.is_none());
    assert_eq!(mine.details.gender_identity.as_deref(), Some("Non-binary"));
    assert_eq!(mine.details.sex_at_birth.as_deref(), Some("Female"));
    let seen = chart(&mut rowan, avery).await.details;
    assert_eq!(
        seen.address.map(|a| a.line1),
        Some("4 Harbour Road".to_owned())
    );

    // A bad postal code from the portal: refused beside it, nothing lost.
    let reply = save(
        &mut avery_browser,
        "/api/my-details",
        &[
            ("address_line1", "4 Harbour Road"),
            ("city", "Halifax"),
            ("postal_code", "99"),
            ("country", "CA"),
        ],
    )
    .await;
    assert!(refused_on(&reply, "postal_code").contains("K1A 0B1"));
    let again = my_information(&mut avery_browser).await;
    assert_eq!(
        again.details.address.map(|a| a.postal_code),
        Some("B3H 1A1".to_owned())
    );

    // Another patient's portal shows none of it.
    let mut jordan = app.signed_in("jordan.lee@patients.example").await;
    let reply = jordan.fetch("/api/my-information").await;
    assert!(!reply.body.contains("Harbour"), "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn insurance_policies_are_checked_sealed_and_one_is_primary() {
    let app = TestApp::with_demo().await;
    let mut conn = app.db.conn().await;
    let avery = record_of(&mut conn, AVERY).await;
    let patient = avery.to_string();
    let mut rowan = app.signed_in(ROWAN).await;
    let add = async |browser: &mut Browser, form: &[(&str, &str)]| {
        let mut all = vec![("patient_id", patient.as_str())];
        all.extend_from_slice(form);
        browser.call("/api/add-insurance", &all).await
    };

    let reply = add(
        &mut rowan,
        &[
            ("payer", ""),
            ("member_id", "12;DROP"),
            ("subscriber", "other"),
            ("subscriber_date_of_birth", "2999-01-01"),
        ],
    )
    .await;
    assert!(refused_on(&reply, "member_id").contains("letters, digits"));
    for field in ["payer", "subscriber_name", "subscriber_date_of_birth"] {
        assert!(error(&reply).field(field).is_some(), "{field}");
    }
    let stored: i64 = insurance_policies::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(stored, 0, "bad input stores nothing");

    // The first policy is primary though not asked; a second asked as
    // primary takes over.
    let reply = add(
        &mut rowan,
        &[("payer", "Lakeside Mutual"), ("member_id", "lm-2207")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = add(
        &mut rowan,
        &[
            ("payer", "Prairie Health"),
            ("member_id", "PH 99 120"),
            ("group_number", "g-17"),
            ("subscriber", "other"),
            ("subscriber_name", "Jordan Quinn"),
            ("subscriber_date_of_birth", "1961-02-03"),
            ("primary", "yes"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let policies = chart(&mut rowan, avery).await.insurance;
    let names: Vec<(&str, bool)> = policies
        .iter()
        .map(|p| (p.payer.as_str(), p.primary))
        .collect();
    assert_eq!(
        names,
        [("Prairie Health", true), ("Lakeside Mutual", false)]
    );
    assert_eq!(policies[0].group_number.as_deref(), Some("G-17"));
    assert!(
        policies[0].subscriber
            == Subscriber::Other {
                name: "Jordan Quinn".into(),
                date_of_birth: "1961-02-03".into()
            }
    );
    assert_eq!(policies[1].member_id, "LM-2207");

    // Lakeside becomes primary again; Prairie ends, kept and listed last.
    let change = async |browser: &mut Browser, policy: uuid::Uuid, what: &str| {
        let policy = policy.to_string();
        browser
            .call(
                "/api/change-insurance",
                &[
                    ("patient_id", &patient),
                    ("policy_id", &policy),
                    ("change", what),
                ],
            )
            .await
    };
    let (prairie, lakeside) = (policies[0].id, policies[1].id);
    assert_eq!(
        change(&mut rowan, lakeside, "primary").await.status,
        StatusCode::OK
    );
    assert_eq!(
        change(&mut rowan, prairie, "end").await.status,
        StatusCode::OK
    );
    let reply = change(&mut rowan, prairie, "end").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "ended once");
    let reply = change(&mut rowan, lakeside, "delete").await;
    assert!(refused_on(&reply, "change").contains("Choose"));
    let policies = chart(&mut rowan, avery).await.insurance;
    let state: Vec<(&str, bool, bool)> = policies
        .iter()
        .map(|p| (p.payer.as_str(), p.primary, p.in_use))
        .collect();
    assert_eq!(
        state,
        [
            ("Lakeside Mutual", true, true),
            ("Prairie Health", false, false)
        ]
    );
    let (action, kind): (AuditAction, Option<String>) = audit_events::table
        .filter(audit_events::outcome.eq(app::model::audit::AuditOutcome::Allowed))
        .order(audit_events::id.desc())
        .select((audit_events::action, audit_events::resource_type))
        .offset(1)
        .first(&mut conn)
        .await
        .expect("the ending");
    assert_eq!(
        (action, kind.as_deref()),
        (AuditAction::RecordUpdated, Some("insurance"))
    );

    // Sealed: no payer or number in the rows' bytes.
    let bodies: Vec<Vec<u8>> = insurance_policies::table
        .select(insurance_policies::body_sealed)
        .load(&mut conn)
        .await
        .expect("rows");
    assert!(
        bodies
            .iter()
            .all(|b| !b.windows(7).any(|w| w == b"Prairie" || w == b"LM-2207"))
    );
}
