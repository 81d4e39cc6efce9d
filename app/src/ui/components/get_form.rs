//! Search and filter forms: GET, so every result is an address that can be
//! bookmarked or shared, and the router follows it without a page load.

use leptos::prelude::*;
use leptos_router::components::Form;
use std::sync::Arc;

/// A GET form whose address carries only what was asked: fields left
/// empty stay out, and so does the nameless submit button, which the
/// router's form would otherwise add as a stray `&=`.
#[component]
pub fn GetForm(
    action: &'static str,
    #[prop(optional)] class: &'static str,
    /// `search` for a search form (a landmark).
    #[prop(optional)]
    role: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <Form method="GET" action on_form_data=Arc::new(only_answered) attr:class=class attr:role=role>
            {children()}
        </Form>
    }
}

/// Removes the entries with no name or no value.
fn only_answered(form: &web_sys::FormData) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let mut empty = Vec::new();
        if let Ok(Some(entries)) = js_sys::try_iter(&form.entries()) {
            for entry in entries.flatten() {
                let pair: js_sys::Array = entry.unchecked_into();
                let name = pair.get(0).as_string().unwrap_or_default();
                let value = pair.get(1).as_string();
                if name.is_empty() || value.as_deref() == Some("") {
                    empty.push(name);
                }
            }
        }
        for name in empty {
            form.delete(&name);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = form;
}
