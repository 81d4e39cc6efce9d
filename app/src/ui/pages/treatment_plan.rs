//! The chart's *Treatment plan* tab: the goals (which the patient also
//! sees, in the portal's *My plan*), objectives and interventions, the
//! review date, and who last changed it. Editing names the version it
//! started from, so two people editing at once never overwrite each other
//! silently.

use crate::{
    api::SaveTreatmentPlan,
    model::chart::{PLAN_ITEMS_MAX, TreatmentPlan},
    ui::components::{
        CsrfField, FormAlert, SubmitButton, TextAreaField, TextField, field_error, form_error,
    },
};
use leptos::prelude::*;
use uuid::Uuid;

#[component]
pub fn TreatmentPlanTab(
    patient_id: Uuid,
    plan: Option<TreatmentPlan>,
    /// The chart page's: a save reads the chart again, which rebuilds this
    /// tab, and the answer is still here to say it was saved.
    save: ServerAction<SaveTreatmentPlan>,
) -> impl IntoView {
    // A save reads the chart again, which rebuilds this tab with its
    // editor closed; the answer, kept by the chart page, says it saved.
    let saved = Memo::new(move |_| matches!(save.value().get(), Some(Ok(_))));
    view! {
        <section aria-labelledby="plan-heading" class="space-y-6">
            <h2 id="plan-heading" class="text-lg font-semibold">"Treatment plan"</h2>
            <p role="status" class="text-sm font-medium text-teal-800" data-testid="plan-saved">
                {move || saved.get().then_some("Plan saved.")}
            </p>
            {match plan {
                Some(plan) => view! {
                    <PlanView plan=plan.clone() />
                    <details class="rounded-xl border border-stone-200 bg-white p-4">
                        <summary class="cursor-pointer font-medium text-teal-800">"Edit the plan"</summary>
                        <PlanForm patient_id plan=Some(plan) save />
                    </details>
                }.into_any(),
                None => view! {
                    <p class="rounded-xl border border-dashed border-stone-300 p-6 text-center text-stone-600" data-testid="no-plan">
                        "No treatment plan yet. Write one below; the patient sees its goals in their portal."
                    </p>
                    <div class="rounded-xl border border-stone-200 bg-white p-4">
                        <PlanForm patient_id plan=None save />
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn PlanView(plan: TreatmentPlan) -> impl IntoView {
    let lists = [
        ("Goals", plan.goals),
        ("Objectives", plan.objectives),
        ("Interventions", plan.interventions),
    ];
    view! {
        <div class="space-y-4" data-testid="plan">
            <p class="text-sm text-stone-700">
                {format!("Next review {} · last changed by {} on {}", crate::model::day::readable(&plan.review_date), plan.updated_by, plan.updated_at)}
            </p>
            <div class="grid gap-4 md:grid-cols-3">
                {lists.into_iter().map(|(heading, items)| view! {
                    <div class="rounded-xl border border-stone-200 bg-white p-4">
                        <h3 class="mb-2 font-semibold">{heading}</h3>
                        {if items.is_empty() {
                            view! { <p class="text-sm text-stone-600">"None written."</p> }.into_any()
                        } else {
                            view! {
                                <ol class="list-decimal space-y-1 pl-5">
                                    {items.into_iter().map(|item| view! { <li>{item}</li> }).collect_view()}
                                </ol>
                            }.into_any()
                        }}
                    </div>
                }).collect_view()}
            </div>
        </div>
    }
}

#[component]
fn PlanForm(
    patient_id: Uuid,
    plan: Option<TreatmentPlan>,
    save: ServerAction<SaveTreatmentPlan>,
) -> impl IntoView {
    let last = save.value();
    let lines = |items: Option<&Vec<String>>| items.map(|i| i.join("\n")).unwrap_or_default();
    let hint = |what: &'static str| -> &'static str {
        match what {
            "goals" => {
                "What the patient wants to achieve, in words they would use; one per line. The patient sees these."
            }
            "objectives" => "Measurable steps toward the goals; one per line.",
            _ => "What you will do in treatment; one per line.",
        }
    };
    let version = plan.as_ref().map_or(0, |p| p.version);
    view! {
        <ActionForm action=save attr:class="mt-3 space-y-3" attr:novalidate=true attr:data-testid="plan-form">
            <CsrfField />
            <input type="hidden" name="patient_id" value=patient_id.to_string() />
            <input type="hidden" name="version" value=version.to_string() />
            <TextAreaField name="goals" label="Goals" hint=hint("goals") error=field_error(last, "goals") value=lines(plan.as_ref().map(|p| &p.goals)) />
            <TextAreaField name="objectives" label="Objectives" hint=hint("objectives") error=field_error(last, "objectives") value=lines(plan.as_ref().map(|p| &p.objectives)) />
            <TextAreaField name="interventions" label="Interventions" hint=hint("interventions") error=field_error(last, "interventions") value=lines(plan.as_ref().map(|p| &p.interventions)) />
            <p class="text-sm text-stone-600">{format!("Up to {PLAN_ITEMS_MAX} lines in each.")}</p>
            <div class="max-w-xs">
                <TextField name="review_date" label="Next review" input_type="date" error=field_error(last, "review_date") value=plan.as_ref().map(|p| p.review_date.clone()).unwrap_or_default() />
            </div>
            <FormAlert message=form_error(last) />
            <SubmitButton pending=save.pending() label="Save plan" busy="Saving…" />
        </ActionForm>
    }
}
