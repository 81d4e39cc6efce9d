//! Markup typed into any field comes back as that text, on every page that
//! shows it, to everyone who can see it: never as elements.
//!
//! Each free-text field that reaches a page is filled with a value that
//! would close the element it lands in and add its own (a `</title>`, a
//! `<meta http-equiv=refresh>`, a `</script>`, an element carrying
//! `data-injected`, quotes and an entity). Each page is then parsed as a
//! browser parses it: the value must be there as text, exactly as typed
//! (in the `<title>` too), and none of its markup may have become an
//! element anywhere in the document, including inside the hydration data.

use crate::support::{TestApp, app::Browser};
use app::model::{InvitationLink, chart::SavedNote};
use http::StatusCode;
use scraper::{Html, Selector};
use uuid::Uuid;

const ADMIN: &str = "admin@juniper-creek.example";
const ROWAN: &str = "rowan.ellis@juniper-creek.example";

/// A value for field `tag` that breaks out of any element it is pasted
/// into unescaped.
fn hostile(tag: &str) -> String {
    format!(
        "{tag}</title></script></textarea><meta http-equiv=\"refresh\" content=\"0;url=/x\"><i data-injected=\"{tag}\">'\"&amp;"
    )
}

/// The page at `path` as `browser` sees it, parsed; asserts no markup from
/// any hostile value became an element, and answers the document.
async fn page(browser: &mut Browser, path: &str) -> Html {
    let reply = browser.get(path).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    let html = Html::parse_document(&reply.body);
    for selector in ["[data-injected]", "meta[http-equiv]"] {
        let found = html.select(&sel(selector)).count();
        assert_eq!(found, 0, "{path}: typed markup became `{selector}`");
    }
    html
}

fn sel(css: &str) -> Selector {
    Selector::parse(css).expect("selector")
}

/// The document's title, as the browser shows it.
fn title(html: &Html) -> String {
    let titles: Vec<String> = html
        .select(&sel("title"))
        .map(|t| t.text().collect())
        .collect();
    assert_eq!(titles.len(), 1, "one title: {titles:?}");
    titles.into_iter().next().unwrap_or_default()
}

/// Whether `value` appears, exactly, as the text of some element.
fn shows(html: &Html, value: &str) -> bool {
    html.root_element()
        .descendants()
        .filter_map(|node| node.value().as_text())
        .any(|text| text.contains(value))
}

#[tokio::test(flavor = "multi_thread")]
async fn markup_typed_into_any_field_is_served_as_that_text_on_every_page() {
    let app = TestApp::with_demo().await;
    let mut rowan = app.signed_in(ROWAN).await;
    let mut admin = app.signed_in(ADMIN).await;

    // A patient's legal name (typed by a therapist).
    let name = hostile("name");
    let reply = rowan
        .call(
            "/api/add-patient",
            &[("legal_name", &name), ("date_of_birth", "1990-05-01")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let patient: Uuid = serde_json::from_str(&reply.body).expect("an id");

    // A note's text and a diagnosis (typed by the therapist).
    let note_text = hostile("note");
    let today = app::backend::dates::day(time::OffsetDateTime::now_utc().date());
    let reply = rowan
        .call(
            "/api/save-note",
            &[
                ("patient_id", &patient.to_string()),
                ("template", "dap"),
                ("session_date", &today),
                ("data", &note_text),
                ("assessment", "Stable."),
                ("plan", "Continue."),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let note: SavedNote = serde_json::from_str(&reply.body).expect("saved");

    // A staff member's display name, and the invitation that shows it.
    let display = hostile("staff");
    let reply = admin
        .call(
            "/api/invite",
            &[
                ("email", "new.colleague@juniper-creek.example"),
                ("display_name", &display),
                ("role", "therapist"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let link: InvitationLink = serde_json::from_str(&reply.body).expect("link");
    let invite_path = link.url.replace(crate::support::app::ORIGIN, "");

    // The chart: its title and its heading.
    let chart = page(&mut rowan, &format!("/patients/{patient}")).await;
    assert_eq!(title(&chart), format!("{name} · Cairn"));
    assert!(shows(&chart, &name), "the chart shows the name as typed");

    // The caseload lists the name.
    let caseload = page(&mut rowan, "/caseload").await;
    assert!(shows(&caseload, &name), "the caseload shows the name");

    // The note: in its editor while a draft, then signed, where its title
    // names the patient; its text is shown either way.
    let path = format!("/notes/{}", note.id);
    // (The editor's fields are filled from the hydration data, which
    // `page` checks made no element.)
    page(&mut rowan, &path).await;
    let id = note.id.to_string();
    let reply = rowan
        .call("/api/sign-note", &[("note_id", &id), ("version", "1")])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let signed = page(&mut rowan, &path).await;
    assert_eq!(title(&signed), format!("Note · {name} · Cairn"));
    assert!(shows(&signed, &note_text), "the note's text is there");

    // The administrator's people page lists the invited colleague.
    let people = page(&mut admin, "/people").await;
    assert!(shows(&people, &display), "people shows the name as typed");

    // The invitee's page greets them by the name typed.
    let mut stranger = app.browser();
    let invite = page(&mut stranger, &invite_path).await;
    assert!(shows(&invite, &display), "the invitation shows the name");

    // Every other page each of them can open, for good measure.
    for path in ["/home", "/security", "/admin/audit", "/admin/patients"] {
        page(&mut admin, path).await;
    }
    for path in ["/home", "/security"] {
        page(&mut rowan, path).await;
    }
}

#[test]
fn the_title_formatter_escapes_what_it_writes_into_the_html() {
    assert_eq!(
        app::ui::page_title("a</title><b>".to_owned()),
        "a&lt;/title&gt;&lt;b&gt; · Cairn"
    );
    assert_eq!(app::ui::page_title(String::new()), "Cairn");
}
