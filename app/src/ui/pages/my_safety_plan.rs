//! "My safety plan": the plan the patient wrote with their care team,
//! every step, under the practice's crisis lines (which come first: on
//! this page, someone may be in danger now).

use crate::{
    api::safety_plan::get_my_safety_plan,
    ui::{
        components::LoadFailed,
        pages::{my_questionnaires::CrisisText, safety_plan::SafetySteps},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MySafetyPlanPage() -> impl IntoView {
    let mine = Resource::new(|| (), |_| get_my_safety_plan());
    view! {
        <Title text="My safety plan" />
        <div class="max-w-3xl space-y-6">
            <h1 class="text-2xl font-semibold">"My safety plan"</h1>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match mine.await {
                        Ok(mine) => view! {
                            <section aria-labelledby="help-now" class="space-y-2 rounded-xl border-2 border-rose-700 bg-rose-50 p-4">
                                <h2 id="help-now" class="font-semibold">"If you are in danger now"</h2>
                                <CrisisText text=mine.crisis_resources />
                            </section>
                            {match mine.plan {
                                Some(plan) => view! {
                                    <p class="text-stone-700">"Work through the steps in order when you notice your warning signs, until you are safe."</p>
                                    <SafetySteps plan />
                                }.into_any(),
                                None => view! {
                                    <p class="rounded-xl border border-dashed border-stone-300 p-6 text-center text-stone-600" data-testid="no-safety-plan">
                                        "You and your therapist have not written a safety plan yet. It will appear here when you do."
                                    </p>
                                }.into_any(),
                            }}
                        }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
