//! The hidden CSRF field every state-changing form carries.

use leptos::prelude::*;

/// `<input type="hidden" name="csrf_token">` with this session's token, so
/// forms also work when posted before the WASM has loaded.
///
/// Deliberately not a `Suspense` boundary: boundaries and resources are
/// numbered in the order they are created, and one nested in a page's
/// `Transition` was numbered differently by the server (after the page) and
/// the browser (in place), which then lost the page's data and could not
/// hydrate it.
#[component]
pub fn CsrfField() -> impl IntoView {
    let token = crate::ui::csrf_token();
    move || {
        token
            .get()
            .map(|token| view! { <input type="hidden" name="csrf_token" value=token /> })
    }
}
