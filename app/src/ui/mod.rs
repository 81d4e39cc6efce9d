//! Pages and components. Every page renders on the server and works before
//! the WASM arrives; hydration only adds convenience.

pub mod components;
pub mod layout;
pub mod pages;
pub mod passkey;
#[cfg(feature = "ssr")]
mod server_glue;
pub mod session_timeout;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::{
    ParamSegment, SsrMode, StaticSegment,
    components::{Redirect, Route, Router, Routes},
};

use crate::{api::auth::get_visitor, error::AppError, model::Visitor};
use layout::Layout;
use leptos_router::hooks::use_location;
use pages::{
    AccessReviewPage, AmendmentsPage, CaseloadPage, ChartPage, ConsentFormsPage, DisclosuresPage,
    EmergencyAccessPage, HomePage, InvitePage, MyAccessPage, MyAmendmentsPage, MyCareTeamPage,
    MyConsentsPage, MyDisclosuresPage, MyInformationPage, MyPlanPage, MyQuestionnairesPage,
    MyRecordPage, MySafetyPlanPage, NewNotePage, NotFound, NotePage, PatientConsentsPage,
    PatientRecordPage, PeoplePage, PracticePage, QuestionnairePage, RetentionPage, RosterPage,
    SecurityPage, SignInCodePage, SignInPage, TwoStepPage,
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                // Named with its content's hash when the build hashed the
                // bundle (a release build), so browsers may keep it for good.
                <HashedStylesheet options=options.clone() id="cairn" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-stone-50 text-stone-900 antialiased">
                <App />
            </body>
        </html>
    }
}

/// Pages get a Content-Security-Policy naming this response's nonce: the
/// only inline scripts that run are Leptos' own (which carry it), the WASM may
/// compile, and nothing loads from or frames in from elsewhere.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use leptos::nonce::use_nonce;
    let (Some(nonce), Some(response)) =
        (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Marks the page as hydrated (`<body data-hydrated>`), so end-to-end
/// tests can wait until forms submit in place instead of as plain posts.
#[cfg(feature = "hydrate")]
pub fn mark_hydrated() {
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute("data-hydrated", "");
    }
}

/// Pages only a signed-in person may load (prefixes). The server sends
/// anyone else to sign-in before rendering (`server/src/http/session.rs`);
/// the pages also redirect on their own after client-side navigation.
pub const SIGNED_IN_PAGES: &[&str] = &[
    "/home",
    "/security",
    "/people",
    "/caseload",
    "/patients",
    "/emergency",
    "/notes",
    "/me",
    "/admin",
];

/// Pages anyone may load: the sign-in steps and an invitation's page
/// (an entry ending in `/`, other than `/` itself, is a prefix). Every route of [`App`] is either one of
/// these or behind [`SIGNED_IN_PAGES`]; a test holds the route table to
/// it, so a new page cannot be left out of both.
pub const PUBLIC_PAGES: &[&str] = &["/", "/sign-in", "/sign-in/code", "/invite/"];

/// Where a session that must set up two-step verification is sent, and
/// the only signed-in page it may load.
pub const SETUP_PAGE: &str = "/security/two-step";

/// Whether `path` is one of [`SIGNED_IN_PAGES`] (or below one).
pub fn needs_sign_in(path: &str) -> bool {
    SIGNED_IN_PAGES.iter().any(|page| {
        path.strip_prefix(page)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// The app: routes inside the common layout.
///
/// Every page renders with [`SsrMode::Async`]: the server waits for the
/// page's data, then sends the whole page (small pages, fast queries; the
/// status and headers can still depend on the data).
///
/// Hydration rule: resources and `Suspense`/`Transition` boundaries are
/// numbered in creation order. The server creates those inside a resolved
/// `Suspend` after the rest of the page; the browser creates them in place.
/// So a component that creates either may sit inside a `Suspend` only when
/// nothing after it in the page creates one (e.g. [`components::CsrfField`]
/// creates neither, for that reason).
/// The document title for a page's own title text (`Cairn` alone for none).
///
/// On the server the result is written into the HTML as it is:
/// leptos_meta 0.8 puts the formatted title between `<title>` and
/// `</title>` without escaping it, so a patient named
/// `x</title><meta http-equiv=refresh …>` would add markup to the head.
/// Every page title passes through this one formatter (it is the only one
/// registered), so escaping here covers them all. In the browser the title
/// is set as text (`document.title`), where escaping would show `&lt;`.
pub fn page_title(page: String) -> String {
    let title = if page.is_empty() {
        "Cairn".to_owned()
    } else {
        format!("{page} · Cairn")
    };
    #[cfg(feature = "ssr")]
    let title = html_escape::encode_text(&title).into_owned();
    title
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Title formatter=page_title />
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=|| view! { <Redirect path="/sign-in" /> } />
                    <Route path=StaticSegment("sign-in") view=SignInPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("sign-in"), StaticSegment("code")) view=SignInCodePage ssr=SsrMode::Async />
                    <Route path=StaticSegment("home") view=HomePage ssr=SsrMode::Async />
                    <Route path=StaticSegment("security") view=SecurityPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("security"), StaticSegment("two-step")) view=TwoStepPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("people") view=PeoplePage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("admin"), StaticSegment("audit")) view=AccessReviewPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("admin"), StaticSegment("patients")) view=RosterPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("admin"), StaticSegment("practice")) view=PracticePage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("admin"), StaticSegment("retention")) view=RetentionPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("admin"), StaticSegment("consents")) view=ConsentFormsPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("caseload") view=CaseloadPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("patients"), ParamSegment("id")) view=ChartPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("patients"), ParamSegment("id"), StaticSegment("notes"), StaticSegment("new")) view=NewNotePage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("patients"), ParamSegment("id"), StaticSegment("record")) view=PatientRecordPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("patients"), ParamSegment("id"), StaticSegment("disclosures")) view=DisclosuresPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("patients"), ParamSegment("id"), StaticSegment("consents")) view=PatientConsentsPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("patients"), ParamSegment("id"), StaticSegment("amendments")) view=AmendmentsPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("emergency"), ParamSegment("match")) view=EmergencyAccessPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("notes"), ParamSegment("id")) view=NotePage ssr=SsrMode::Async />
                    <Route path=StaticSegment("me") view=MyInformationPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("me"), StaticSegment("access")) view=MyAccessPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("me"), StaticSegment("care-team")) view=MyCareTeamPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("me"), StaticSegment("plan")) view=MyPlanPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("me"), StaticSegment("safety-plan")) view=MySafetyPlanPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("me"), StaticSegment("record")) view=MyRecordPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("me"), StaticSegment("disclosures")) view=MyDisclosuresPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("me"), StaticSegment("consents")) view=MyConsentsPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("me"), StaticSegment("amendments")) view=MyAmendmentsPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("me"), StaticSegment("questionnaires")) view=MyQuestionnairesPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("me"), StaticSegment("questionnaires"), ParamSegment("id")) view=QuestionnairePage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("invite"), ParamSegment("token")) view=InvitePage ssr=SsrMode::Async />
                </Routes>
            </Layout>
        </Router>
    }
}

/// Who is signed in and the session's CSRF token, read once per page (and
/// again on every navigation, so signing in or out shows at once, and a
/// token renewed at sign-in reaches the forms). Layout and pages share it.
pub type VisitorResource = Resource<Result<Visitor, AppError>>;

/// Creates and provides the resource; called by the layout, inside the
/// router, so every page below sees it.
pub(crate) fn provide_visitor() -> VisitorResource {
    let location = use_location();
    // Blocking: the first HTML already knows who is signed in (menus,
    // redirects), the forms carry the token, and the status is set before
    // the response starts.
    let visitor: VisitorResource =
        Resource::new_blocking(move || location.pathname.get(), |_| get_visitor());
    provide_context(visitor);
    visitor
}

/// This session's CSRF token, readable at once (no waiting, no Suspense):
/// from the visitor resource once it has loaded (in the browser it is
/// hydrated with the page, and it is re-read after navigation and after a
/// step that renews the token), and on the server, while the page renders,
/// from the request (the server put it there before rendering).
pub fn csrf_token() -> Signal<Option<String>> {
    let visitor = visitor();
    #[cfg(feature = "ssr")]
    let from_request = use_context::<http::request::Parts>()
        .as_ref()
        .and_then(server_glue::page_token);
    #[cfg(not(feature = "ssr"))]
    let from_request: Option<String> = None;
    Signal::derive(move || {
        visitor
            .get()
            .and_then(Result::ok)
            .map(|visitor| visitor.csrf_token)
            .or_else(|| from_request.clone())
    })
}

/// The shared visitor resource.
pub fn visitor() -> VisitorResource {
    expect_context::<VisitorResource>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    #[test]
    fn every_signed_in_menu_link_needs_sign_in() {
        for role in Role::ALL {
            for (_, path) in components::links_for(Some(*role)) {
                assert!(needs_sign_in(path), "{path}");
            }
        }
        assert!(!needs_sign_in("/sign-in"));
        assert!(!needs_sign_in("/invite/abc"));
        assert!(!needs_sign_in("/homework"));
        assert!(needs_sign_in("/me/care-team"));
    }
}
