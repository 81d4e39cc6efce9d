//! "Who accessed my record": each time staff opened or acted on the
//! person's record or account, newest first: who (name and role), when,
//! what kind. The accounting a patient is owed; nothing internal (no
//! addresses, devices or sessions), and never anyone else's entries.

use crate::{
    api::audit::get_my_record_access, model::audit::RecordAccess, ui::components::LoadFailed,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MyAccessPage() -> impl IntoView {
    let accesses = Resource::new(|| (), |_| get_my_record_access());
    view! {
        <Title text="Who accessed my record" />
        <div class="max-w-3xl space-y-6">
            <h1 class="text-2xl font-semibold">"Who accessed my record"</h1>
            <p class="text-stone-700">
                "Every time someone at the practice opens your record or changes your account, Cairn keeps a note of it that cannot be changed afterwards. Here is that list, newest first."
            </p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match accesses.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="rounded-xl border border-dashed border-stone-300 p-6 text-center text-stone-600" data-testid="no-accesses">
                                "No one at the practice has accessed your record yet."
                            </p>
                        }.into_any(),
                        Ok(list) => view! { <AccessList list /> }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn AccessList(list: Vec<RecordAccess>) -> impl IntoView {
    view! {
        <table class="w-full overflow-hidden rounded-xl border border-stone-200 bg-white text-left text-sm" data-testid="accesses">
            <thead class="bg-stone-100 text-stone-700">
                <tr>
                    <th scope="col" class="px-4 py-2">"When (UTC)"</th>
                    <th scope="col" class="px-4 py-2">"Who"</th>
                    <th scope="col" class="px-4 py-2">"What"</th>
                </tr>
            </thead>
            <tbody class="divide-y divide-stone-200">
                {list
                    .into_iter()
                    .map(|access| view! {
                        <tr>
                            <td class="px-4 py-2 font-mono">{access.at}</td>
                            <td class="px-4 py-2">{format!("{} ({})", access.who, access.role.label())}</td>
                            <td class="px-4 py-2">{access.what}</td>
                        </tr>
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
