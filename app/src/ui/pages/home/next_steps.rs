//! A patient's next steps: their plan's goals and next review, who looks
//! after them, and where to see and correct what the practice keeps.

use crate::{
    api::{
        measures::get_my_measures,
        patient::{get_my_care_team, get_my_plan},
    },
    model::day::readable,
    ui::{components::LoadFailed, pages::my_questionnaires::DueList},
};
use leptos::prelude::*;

#[component]
pub fn NextSteps() -> impl IntoView {
    let plan = Resource::new(|| (), |_| get_my_plan());
    let team = Resource::new(|| (), |_| get_my_care_team());
    let measures = Resource::new(|| (), |_| get_my_measures());
    view! {
        <section aria-labelledby="due-heading" class="mb-4 space-y-2 rounded-xl border border-stone-200 bg-white p-4" data-testid="next-questionnaires">
            <h2 id="due-heading" class="font-semibold">"Questionnaires to fill in"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match measures.await {
                        Ok(Some(measures)) => view! { <DueList due=measures.due /> }.into_any(),
                        Ok(None) => view! { <p class="text-sm text-stone-600">"Nothing to fill in right now."</p> }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <div class="grid gap-4 md:grid-cols-2">
            <section aria-labelledby="plan-heading" class="space-y-2 rounded-xl border border-stone-200 bg-white p-4" data-testid="next-plan">
                <h2 id="plan-heading" class="font-semibold">"Your plan"</h2>
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match plan.await {
                            Ok(Some(plan)) => view! {
                                <ul class="list-disc space-y-1 pl-5 text-sm">
                                    {plan.goals.into_iter().map(|goal| view! { <li>{goal}</li> }).collect_view()}
                                </ul>
                                <p class="text-sm text-stone-700">{format!("You and your therapist next review it on {}.", readable(&plan.review_date))}</p>
                                <a href="/me/plan" class="text-sm text-teal-800 underline">"Your plan"</a>
                            }.into_any(),
                            Ok(None) => view! { <p class="text-sm text-stone-600">"Your therapist has not written a plan with you yet."</p> }.into_any(),
                            Err(error) => view! { <LoadFailed error /> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            <section aria-labelledby="team-heading" class="space-y-2 rounded-xl border border-stone-200 bg-white p-4" data-testid="next-contact">
                <h2 id="team-heading" class="font-semibold">"Who to contact"</h2>
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match team.await {
                            Ok(Some(names)) if !names.is_empty() => view! {
                                <p class="text-sm text-stone-700">"Your care team:"</p>
                                <ul class="space-y-1 text-sm">{names.into_iter().map(|name| view! { <li>{name}</li> }).collect_view()}</ul>
                            }.into_any(),
                            Ok(_) => view! { <p class="text-sm text-stone-600">"No therapist has been assigned to you yet. Contact the practice."</p> }.into_any(),
                            Err(error) => view! { <LoadFailed error /> }.into_any(),
                        }
                    })}
                </Transition>
                <p class="text-sm text-stone-700">"In a crisis, call your local emergency number; this portal is not watched around the clock."</p>
                <a href="/me/safety-plan" class="text-sm text-teal-800 underline">"Your safety plan and crisis lines"</a>
            </section>
        </div>
        <ul class="mt-4 flex flex-wrap gap-x-6 gap-y-2 text-sm">
            <li><a href="/me" class="text-teal-800 underline">"Check your contact details"</a></li>
            <li><a href="/me/access" class="text-teal-800 underline">"See who accessed your record"</a></li>
            <li><a href="/me/record" class="text-teal-800 underline">"Get a copy of your record"</a></li>
            <li><a href="/me/disclosures" class="text-teal-800 underline">"See who your record was shared with"</a></li>
            <li><a href="/me/amendments" class="text-teal-800 underline">"Ask for a correction of your record"</a></li>
        </ul>
    }
}
