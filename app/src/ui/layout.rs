//! The frame around every page: header with navigation, main, footer.

use super::components::{ErrorPage, NavBar};
use leptos::prelude::*;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <a
            href="#main"
            class="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:shadow"
        >
            "Skip to main content"
        </a>
        <div class="flex min-h-screen flex-col">
            <header class="border-b border-stone-200 bg-white">
                <div class="mx-auto flex max-w-5xl items-center justify-between gap-4 px-4 py-3">
                    <a href="/" class="flex items-center gap-2 text-lg font-semibold text-teal-800">
                        <CairnMark />
                        "Cairn"
                    </a>
                    // Nobody is signed in until sessions exist; the bar already
                    // knows what each role sees.
                    <NavBar role=None />
                </div>
            </header>
            <main id="main" class="mx-auto w-full max-w-5xl flex-1 px-4 py-10" tabindex="-1">
                <ErrorBoundary fallback=|_errors| view! { <ErrorPage /> }>{children()}</ErrorBoundary>
            </main>
            <footer class="border-t border-stone-200 bg-white">
                <div class="mx-auto max-w-5xl px-4 py-4 text-sm text-stone-600">
                    "Cairn clinic portal · Contains protected health information: authorized use only."
                </div>
            </footer>
        </div>
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
