//! The safety plan, as the chart and the portal show it ([`SafetySteps`]),
//! and the chart's *Safety plan* tab that writes it. Editing names the
//! version it started from: a save over someone else's newer one is
//! refused, and the form keeps what was typed.

use crate::{
    api::SaveSafetyPlan,
    model::safety_plan::{SAFETY_ITEMS_MAX, SafetyPlan, SafetyStep},
    ui::components::{CsrfField, FormAlert, SubmitButton, TextAreaField, field_error, form_error},
};
use leptos::prelude::*;
use uuid::Uuid;

/// Every step of `plan` in order, numbered as the patient learnt them; a
/// step left empty says so (a gap in a plan is worth seeing).
#[component]
pub fn SafetySteps(plan: SafetyPlan) -> impl IntoView {
    view! {
        <ol class="space-y-3" data-testid="safety-plan">
            {SafetyStep::ALL.into_iter().enumerate().map(|(at, step)| {
                let lines = plan.lines(step).to_vec();
                view! {
                    <li class="rounded-xl border border-stone-200 bg-white p-4">
                        <h3 class="font-semibold">{format!("Step {}: {}", at + 1, step.title())}</h3>
                        {if lines.is_empty() {
                            view! { <p class="text-sm text-stone-600">"Nothing written yet."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="mt-1 list-disc space-y-1 pl-5">
                                    {lines.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </li>
                }
            }).collect_view()}
        </ol>
        <p class="text-sm text-stone-600">
            {format!("Last changed by {} on {}.", plan.updated_by, plan.updated_at)}
        </p>
    }
}

#[component]
pub fn SafetyPlanTab(
    patient_id: Uuid,
    plan: Option<SafetyPlan>,
    /// The chart page's: a save reads the chart again, which rebuilds this
    /// tab, and the answer is still here to say it was saved.
    save: ServerAction<SaveSafetyPlan>,
) -> impl IntoView {
    let saved = Memo::new(move |_| matches!(save.value().get(), Some(Ok(_))));
    view! {
        <section aria-labelledby="safety-heading" class="space-y-6">
            <h2 id="safety-heading" class="text-lg font-semibold">"Safety plan"</h2>
            <p role="status" class="text-sm font-medium text-teal-800" data-testid="safety-saved">
                {move || saved.get().then_some("Safety plan saved.")}
            </p>
            {match plan {
                Some(plan) => view! {
                    <SafetySteps plan=plan.clone() />
                    <details class="rounded-xl border border-stone-200 bg-white p-4">
                        <summary class="cursor-pointer font-medium text-teal-800">"Edit the safety plan"</summary>
                        <SafetyForm patient_id plan=Some(plan) save />
                    </details>
                }.into_any(),
                None => view! {
                    <p class="rounded-xl border border-dashed border-stone-300 p-6 text-center text-stone-600" data-testid="no-safety-plan">
                        "No safety plan yet. Write it with the patient, in their words; they see all of it in their portal, with the practice's crisis lines."
                    </p>
                    <div class="rounded-xl border border-stone-200 bg-white p-4">
                        <SafetyForm patient_id plan=None save />
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn SafetyForm(
    patient_id: Uuid,
    plan: Option<SafetyPlan>,
    save: ServerAction<SaveSafetyPlan>,
) -> impl IntoView {
    let last = save.value();
    let version = plan.as_ref().map_or(0, |p| p.version);
    view! {
        <ActionForm action=save attr:class="mt-3 space-y-3" attr:novalidate=true attr:data-testid="safety-form">
            <CsrfField />
            <input type="hidden" name="patient_id" value=patient_id.to_string() />
            <input type="hidden" name="version" value=version.to_string() />
            {SafetyStep::ALL.into_iter().map(|step| {
                let value = plan.as_ref().map(|p| p.lines(step).join("\n")).unwrap_or_default();
                view! {
                    <TextAreaField name=step.field() label=step.title() hint=step.hint() error=field_error(last, step.field()) value rows=3 />
                }
            }).collect_view()}
            <p class="text-sm text-stone-600">{format!("Up to {SAFETY_ITEMS_MAX} lines in each step.")}</p>
            <FormAlert message=form_error(last) />
            <SubmitButton pending=save.pending() label="Save safety plan" busy="Saving…" />
        </ActionForm>
    }
}
