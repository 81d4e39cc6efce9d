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
///
/// Always the same element, whatever the token: the server may know a
/// token the browser does not (with the database down, the request had one
/// and the visitor could not be read), and a field present on one side and
/// missing on the other would break hydration. An empty token is refused
/// like a missing one.
#[component]
pub fn CsrfField() -> impl IntoView {
    let token = crate::ui::csrf_token();
    view! { <input type="hidden" name="csrf_token" value=move || token.get().unwrap_or_default() /> }
}
