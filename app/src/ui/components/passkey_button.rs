//! The button that proves someone with a passkey, and says beside it what
//! went wrong when it does not.

use super::style;
use crate::ui::passkey::{Prove, problem_with, prove};
use leptos::prelude::*;

/// Asks the browser for a passkey (of anyone, or of this person), proves
/// it on the server, and runs `then` with the session's new CSRF token.
#[component]
pub fn PasskeyButton(
    whom: Prove,
    label: &'static str,
    #[prop(into)] then: Callback<String>,
) -> impl IntoView {
    let csrf = crate::ui::csrf_token();
    // Local: the browser's promises are not `Send`.
    let run = Action::new_local(move |_: &()| {
        let token = csrf.get_untracked().unwrap_or_default();
        async move { prove(whom, token).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(token)) = run.value().get() {
            then.run(token);
        }
    });
    let problem = move || problem_with(run.value().get());
    view! {
        <div>
            <button
                type="button"
                class=style::SECONDARY_BUTTON
                data-testid="passkey-button"
                disabled=move || run.pending().get()
                on:click=move |_| {
                    run.dispatch(());
                }
            >
                {move || if run.pending().get() { "Waiting for your passkey…" } else { label }}
            </button>
            <div role="alert">
                {move || problem().map(|text| view! { <p class="mt-2 text-sm text-red-900">{text}</p> })}
            </div>
        </div>
    }
}

/// Loads `path` as a new page (browser only): after a sign-in the whole
/// page starts again as the signed-in person.
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}
