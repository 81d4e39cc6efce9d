//! "Print or save as PDF": the browser's print dialog, where saving as a
//! PDF is one of the printers. Pages that print mark what is not part of
//! the document (`print:hidden`).

use super::style;
use leptos::prelude::*;

#[component]
pub fn PrintButton(
    /// The page's main action (a copy just made) rather than one of many.
    #[prop(optional)]
    primary: bool,
) -> impl IntoView {
    let class = if primary {
        style::PRIMARY_BUTTON
    } else {
        style::SECONDARY_BUTTON
    };
    view! {
        <button type="button" class=format!("{class} print:hidden") on:click=move |_| print_page()>
            "Print or save as PDF"
        </button>
    }
}

fn print_page() {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.print();
    }
}
