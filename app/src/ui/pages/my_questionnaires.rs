//! The portal's questionnaires: what is due (each a link to its form),
//! the patient's scores over time when the practice shows them, and
//! where to get help at once.

use crate::{
    api::measures::get_my_measures,
    model::measures::{Due, MyMeasures},
    ui::components::{LoadFailed, ScoreTrend},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MyQuestionnairesPage() -> impl IntoView {
    let measures = Resource::new(|| (), |_| get_my_measures());
    view! {
        <Title text="Questionnaires" />
        <div class="max-w-3xl space-y-6">
            <h1 class="text-2xl font-semibold">"Questionnaires"</h1>
            <p class="text-stone-700">"Short questionnaires your therapist asks you to fill in between sessions, so you can both see how things change."</p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match measures.await {
                        Ok(Some(measures)) => view! { <Measures measures /> }.into_any(),
                        Ok(None) => view! {
                            <p class="rounded-xl border border-dashed border-stone-300 p-6 text-center text-stone-600">
                                "The practice has not set up your record yet."
                            </p>
                        }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Measures(measures: MyMeasures) -> impl IntoView {
    view! {
        <section aria-labelledby="due-heading" class="space-y-3">
            <h2 id="due-heading" class="text-lg font-semibold">"To fill in"</h2>
            <DueList due=measures.due />
        </section>
        {measures.shows_scores.then(|| view! {
            <section aria-labelledby="history-heading" class="space-y-3">
                <h2 id="history-heading" class="text-lg font-semibold">"Your scores"</h2>
                {if measures.trends.is_empty() {
                    view! { <p class="text-sm text-stone-600">"Your scores appear here once you have sent a questionnaire. A lower score means fewer problems."</p> }.into_any()
                } else {
                    view! {
                        <p class="text-sm text-stone-700">"A lower score means fewer problems. Talk them over with your therapist."</p>
                        {measures.trends.into_iter().map(|trend| view! { <ScoreTrend trend /> }).collect_view()}
                    }.into_any()
                }}
            </section>
        })}
        <section aria-labelledby="help-heading" class="space-y-2 rounded-xl border border-stone-200 bg-white p-4">
            <h2 id="help-heading" class="font-semibold">"If you need help now"</h2>
            <CrisisText text=measures.crisis_resources />
        </section>
    }
}

/// What is due, each a link to its form; or that nothing is.
#[component]
pub fn DueList(due: Vec<Due>) -> impl IntoView {
    if due.is_empty() {
        return view! { <p class="text-sm text-stone-600" data-testid="nothing-due">"Nothing to fill in right now."</p> }.into_any();
    }
    view! {
        <ul class="space-y-2" data-testid="due">
            {due.into_iter().map(|due| {
                let action = if due.started { "Finish" } else { "Fill in" };
                view! {
                    <li class="flex flex-wrap items-center gap-x-4 gap-y-1 rounded-xl border border-stone-200 bg-white px-4 py-3">
                        <a href=format!("/me/questionnaires/{}", due.assignment_id) class="font-medium text-teal-800 underline">
                            {format!("{action} the {}", due.instrument.label())}
                        </a>
                        <span class="text-sm text-stone-600">
                            {format!("Due {}{}", crate::model::day::readable(&due.due_on), if due.started { " · your answers so far are kept" } else { "" })}
                        </span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }.into_any()
}

/// The practice's crisis resources, one paragraph per line.
#[component]
pub fn CrisisText(text: String) -> impl IntoView {
    view! {
        <div class="space-y-1 text-sm text-stone-800" data-testid="crisis-resources">
            {text.lines().filter(|l| !l.trim().is_empty()).map(|line| view! { <p>{line.to_owned()}</p> }).collect_view()}
        </div>
    }
}
