//! Asking before an action that takes something away (an account's access,
//! a therapist's place on a care team). A disclosure, not a script's
//! dialog: it works before the WASM arrives, with a keyboard and with a
//! screen reader, and the question stays on the page beside its answer.

use leptos::prelude::*;

/// `label` opens the question; `children` is the form that acts (its own
/// submit button says what happens, e.g. "Yes, deactivate").
#[component]
pub fn Confirm(
    /// What the first button says, e.g. "Deactivate".
    label: &'static str,
    /// Its accessible name, naming whom it is about.
    aria_label: String,
    /// The question, in words that say what will happen.
    question: String,
    children: Children,
) -> impl IntoView {
    let group_label = question.clone();
    view! {
        <details class="group">
            <summary
                aria-label=aria_label
                class="cursor-pointer list-none rounded-md border border-stone-300 px-2 py-1 text-xs font-medium text-stone-700 hover:bg-stone-100 group-open:border-red-300 group-open:bg-red-50"
            >
                {label}
            </summary>
            <div class="mt-2 max-w-xs space-y-2 rounded-md border border-red-200 bg-white p-3 text-sm" role="group" aria-label=group_label>
                <p>{question}</p>
                {children()}
            </div>
        </details>
    }
}
