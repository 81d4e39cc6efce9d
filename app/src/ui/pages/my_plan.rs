//! "My plan": the goals the patient and their therapist agreed on, and
//! when the plan is next reviewed. The therapist's working detail
//! (objectives, interventions, diagnoses, notes) stays in the chart.

use crate::{api::patient::get_my_plan, ui::components::LoadFailed};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MyPlanPage() -> impl IntoView {
    let plan = Resource::new(|| (), |_| get_my_plan());
    view! {
        <Title text="My plan" />
        <div class="max-w-3xl space-y-6">
            <h1 class="text-2xl font-semibold">"My plan"</h1>
            <p class="text-stone-700">"The goals you are working toward with your care team. Talk to your therapist if something here no longer fits."</p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match plan.await {
                        Ok(Some(plan)) => view! {
                            <section aria-labelledby="goals-heading" class="space-y-3 rounded-xl border border-stone-200 bg-white p-4" data-testid="my-plan">
                                <h2 id="goals-heading" class="text-lg font-semibold">"Your goals"</h2>
                                <ol class="list-decimal space-y-1 pl-5">
                                    {plan.goals.into_iter().map(|goal| view! { <li>{goal}</li> }).collect_view()}
                                </ol>
                                <p class="text-sm text-stone-600">
                                    {format!("Next review: {}. Last updated {}.", crate::model::day::readable(&plan.review_date), crate::model::day::readable(&plan.updated_on))}
                                </p>
                            </section>
                        }.into_any(),
                        Ok(None) => view! {
                            <p class="rounded-xl border border-dashed border-stone-300 p-6 text-center text-stone-600" data-testid="no-plan">
                                "Your care team has not written a plan with you yet. It will appear here when they do."
                            </p>
                        }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
