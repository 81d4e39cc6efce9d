//! "My care team": the therapists at the practice who treat the signed-in
//! patient, and so may open their chart.

use crate::{api::patient::get_my_care_team, ui::components::LoadFailed};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MyCareTeamPage() -> impl IntoView {
    let team = Resource::new(|| (), |_| get_my_care_team());
    view! {
        <Title text="My care team" />
        <div class="max-w-3xl space-y-6">
            <h1 class="text-2xl font-semibold">"My care team"</h1>
            <p class="text-stone-700">
                "The therapists who look after you at this practice. They are the people who may open your chart; anyone else who does, in an emergency, appears in "
                <a href="/me/access" class="text-teal-800 underline">"Who accessed my record"</a>
                "."
            </p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match team.await {
                        Ok(Some(names)) if !names.is_empty() => view! {
                            <ul class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white" data-testid="care-team">
                                {names.into_iter().map(|name| view! { <li class="px-4 py-3">{name}</li> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Ok(_) => view! {
                            <p class="rounded-xl border border-dashed border-stone-300 p-6 text-center text-stone-600" data-testid="no-care-team">
                                "No therapist has been assigned to you yet. Your practice will add one."
                            </p>
                        }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
