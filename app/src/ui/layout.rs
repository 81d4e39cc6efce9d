//! The frame around every page: header with navigation, main, footer.

use super::components::{ErrorPage, NavBar};
use super::session_timeout::{SessionTimeout, SignOutForm};
use crate::model::Visitor;
use leptos::prelude::*;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    super::provide_visitor();
    view! {
        <a
            href="#main"
            class="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:shadow"
        >
            "Skip to main content"
        </a>
        <div class="flex min-h-screen flex-col">
            <header class="relative border-b print:hidden border-stone-200 bg-white">
                <div class="mx-auto flex max-w-5xl items-center justify-between gap-4 px-4 py-3">
                    <a href="/" class="flex items-center gap-2 text-lg font-semibold text-teal-800">
                        <CairnMark />
                        "Cairn"
                    </a>
                    <UserBar />
                </div>
            </header>
            <PageArrival />
            <main id="main" class="mx-auto w-full max-w-5xl flex-1 px-4 py-10" tabindex="-1">
                <ErrorBoundary fallback=|_errors| view! { <ErrorPage /> }>{children()}</ErrorBoundary>
            </main>
            <footer class="border-t print:hidden border-stone-200 bg-white">
                <div class="mx-auto max-w-5xl px-4 py-4 text-sm text-stone-600">
                    "Cairn clinic portal · Contains protected health information: authorized use only."
                </div>
            </footer>
        </div>
    }
}

/// Navigation for whoever is signed in (re-read on every navigation, so
/// signing in or out updates it), and the sign-out button.
#[component]
fn UserBar() -> impl IntoView {
    let visitor = super::visitor();
    view! {
        <Transition fallback=|| view! { <NavBar role=None /> }>
            {move || Suspend::new(async move {
                match visitor.await.ok() {
                    Some(Visitor { user: Some(user), csrf_token }) => {
                        view! {
                            <div class="flex items-center gap-4">
                                <NavBar role=Some(user.role) />
                                <span class="hidden text-sm text-stone-600 sm:inline">{user.display_name}</span>
                                <SessionTimeout csrf_token />
                                <SignOutForm button_class="rounded-md border border-stone-300 px-3 py-1 text-sm font-medium text-stone-700 hover:bg-stone-100" />
                            </div>
                        }
                            .into_any()
                    }
                    _ => view! { <NavBar role=None /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Three stacked stones.
#[component]
fn CairnMark() -> impl IntoView {
    view! {
        <svg aria-hidden="true" viewBox="0 0 24 24" class="h-6 w-6 fill-teal-700">
            <ellipse cx="12" cy="19" rx="8" ry="3.2" />
            <ellipse cx="12" cy="12.6" rx="5.8" ry="2.6" />
            <ellipse cx="12" cy="7" rx="3.6" ry="2.2" />
        </svg>
    }
}

/// After the router changes page (a first load is the browser's to handle),
/// focus moves to where the new page starts: a field it marks `autofocus`,
/// else its heading. A polite live region names the page, so someone on a
/// keyboard or a screen reader knows the page changed and where they are.
#[component]
fn PageArrival() -> impl IntoView {
    let announcement = RwSignal::new(String::new());
    #[cfg(feature = "hydrate")]
    {
        let location = leptos_router::hooks::use_location();
        let first = StoredValue::new(true);
        Effect::new(move |_| {
            location.pathname.track();
            if first.get_value() {
                first.set_value(false);
                return;
            }
            arrival::settle(announcement, arrival::TRIES);
        });
    }
    view! {
        <p class="sr-only" aria-live="polite" aria-atomic="true" data-testid="page-announcer">
            {move || announcement.get()}
        </p>
    }
}

#[cfg(feature = "hydrate")]
mod arrival {
    use leptos::{prelude::*, wasm_bindgen::JsCast};
    use std::time::Duration;

    /// A page may still be loading its data: look again every 50 ms, for
    /// up to 3 s.
    pub const TRIES: u32 = 60;

    pub fn settle(announcement: RwSignal<String>, tries: u32) {
        // After this turn's rendering, so the new page is in place.
        set_timeout(
            move || {
                let Some(document) = web_sys::window().and_then(|w| w.document()) else {
                    return;
                };
                let find = |selector: &str| document.query_selector(selector).ok().flatten();
                let Some(heading) = find("main h1") else {
                    if tries > 0 {
                        settle(announcement, tries - 1);
                    }
                    return;
                };
                let start = find("main [autofocus]").unwrap_or_else(|| {
                    // Focusable by script only, not by Tab.
                    let _ = heading.set_attribute("tabindex", "-1");
                    heading.clone()
                });
                if let Ok(start) = start.dyn_into::<web_sys::HtmlElement>() {
                    let _ = start.focus();
                }
                announcement.try_set(heading.text_content().unwrap_or_default());
            },
            Duration::from_millis(if tries == TRIES { 0 } else { 50 }),
        );
    }
}
