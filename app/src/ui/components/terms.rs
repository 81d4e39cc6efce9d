//! A list of terms and their values (a record's details), one row each.

use leptos::prelude::*;

/// `rows` as a description list: the term on the left, the value beside
/// it (under it on a phone).
#[component]
pub fn Terms(rows: Vec<(&'static str, String)>, testid: &'static str) -> impl IntoView {
    view! {
        <dl class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white" data-testid=testid>
            {rows.into_iter().map(|(term, value)| view! {
                <div class="flex flex-wrap gap-x-6 gap-y-1 px-4 py-3">
                    <dt class="w-36 shrink-0 text-sm text-stone-600">{term}</dt>
                    <dd>{value}</dd>
                </div>
            }).collect_view()}
        </dl>
    }
}
