//! The links between pages of a list that goes back in time: to the
//! newest page (when this is not it) and to the next older one (when there
//! is one). One shape for every such list.

use leptos::prelude::*;

#[component]
pub fn Pager(
    /// What the list holds, plural: "events", "days".
    what: &'static str,
    /// The first page's address, when this is a later page.
    newest: Option<String>,
    /// The next older page's address, when there is one.
    older: Option<String>,
) -> impl IntoView {
    view! {
        <nav aria-label="Pages" class="flex justify-between text-sm">
            {newest.map(|href| view! { <a href=href class="text-teal-800 underline">{format!("← Newest {what}")}</a> })}
            <span></span>
            {older.map(|href| view! { <a href=href class="text-teal-800 underline">{format!("Older {what} →")}</a> })}
        </nav>
    }
}
