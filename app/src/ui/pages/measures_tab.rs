//! The chart's *Questionnaires* tab: answers whose safety question waits
//! for a clinician (each acknowledged here, with an optional note), the
//! questionnaires assigned (each can be stopped), a form to assign one,
//! and every score over time. The scores' charts are on the overview too.

use crate::{
    api::{AcknowledgeMeasure, AssignMeasure, StopMeasure},
    model::measures::{Assignment, ChartMeasures, FREQUENCY, Instrument, Point, Schedule},
    ui::components::{
        CsrfField, FormAlert, ScoreTrend, SelectField, SubmitButton, TextAreaField, TextField,
        field_error, form_error, refresh_on_success, style,
    },
};
use leptos::prelude::*;
use uuid::Uuid;

#[component]
pub fn MeasuresTab(
    patient_id: Uuid,
    measures: ChartMeasures,
    /// Bumped after a change, so the chart is read again.
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let to_review: Vec<(Instrument, Point)> = measures
        .to_review()
        .into_iter()
        .map(|(i, p)| (i, p.clone()))
        .collect();
    view! {
        <section aria-labelledby="measures-heading" class="space-y-6">
            <h2 id="measures-heading" class="text-lg font-semibold">"Questionnaires"</h2>
            {(!to_review.is_empty()).then(|| view! {
                <section aria-labelledby="review-heading" class="space-y-3 rounded-xl border-2 border-rose-700 bg-rose-50 p-4" data-testid="to-review">
                    <h3 id="review-heading" class="font-semibold text-rose-950">"Needs your review"</h3>
                    {to_review.into_iter().map(|(instrument, point)| view! { <Acknowledge instrument point refresh /> }).collect_view()}
                </section>
            })}
            <section aria-labelledby="assigned-heading" class="space-y-3">
                <h3 id="assigned-heading" class="font-semibold">"Assigned"</h3>
                {if measures.assignments.is_empty() {
                    view! { <p class="text-sm text-stone-600" data-testid="no-assignments">"Nothing assigned. The patient fills in what you assign from their portal, and their scores appear here."</p> }.into_any()
                } else {
                    view! {
                        <ul class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white" data-testid="assignments">
                            {measures.assignments.into_iter().map(|assignment| view! { <AssignmentItem assignment refresh /> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                <AssignForm patient_id refresh />
            </section>
            {(!measures.trends.is_empty()).then(|| view! {
                <section aria-labelledby="scores-heading" class="space-y-3">
                    <h3 id="scores-heading" class="font-semibold">"Scores over time"</h3>
                    {measures.trends.into_iter().map(|trend| view! { <ScoreTrend trend /> }).collect_view()}
                </section>
            })}
        </section>
    }
}

/// One answer that waits for review, and the form that acknowledges it.
#[component]
fn Acknowledge(instrument: Instrument, point: Point, refresh: RwSignal<u32>) -> impl IntoView {
    let acknowledge = ServerAction::<AcknowledgeMeasure>::new();
    refresh_on_success(acknowledge.value(), refresh);
    let last = acknowledge.value();
    let answer = FREQUENCY
        .get(usize::from(point.safety_answer))
        .copied()
        .unwrap_or("");
    view! {
        <div class="space-y-2">
            <p class="text-sm text-stone-900">
                {format!(
                    "{} sent {}: the safety question (thoughts of being better off dead or of self-harm) was answered \"{answer}\". Score {} ({}).",
                    instrument.label(),
                    crate::model::day::readable(&point.on),
                    point.total,
                    instrument.band(point.total).label
                )}
            </p>
            <ActionForm action=acknowledge attr:class="space-y-2" attr:novalidate=true>
                <CsrfField />
                <input type="hidden" name="response_id" value=point.response_id.to_string() />
                <TextAreaField name="note" label="Note (optional)" hint="What you did, for example: called the patient, safety plan reviewed. Sealed in the record." error=field_error(last, "note") rows=2 />
                <FormAlert message=form_error(last) />
                <SubmitButton pending=acknowledge.pending() label="Acknowledge" busy="Saving…" />
            </ActionForm>
        </div>
    }
}

#[component]
fn AssignmentItem(assignment: Assignment, refresh: RwSignal<u32>) -> impl IntoView {
    let stop = ServerAction::<StopMeasure>::new();
    refresh_on_success(stop.value(), refresh);
    let next = assignment.next_due.as_ref().map_or_else(
        || "answered; nothing more due".to_owned(),
        |day| format!("next due {}", crate::model::day::readable(day)),
    );
    let label = assignment.instrument.label();
    view! {
        <li class="flex flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3">
            <span class="font-medium">{label}</span>
            <span class="text-sm text-stone-700">{format!("{} · {next} · assigned by {}", assignment.schedule.label(), assignment.assigned_by)}</span>
            <ActionForm action=stop attr:class="ml-auto">
                <CsrfField />
                <input type="hidden" name="assignment_id" value=assignment.id.to_string() />
                <button type="submit" class=style::SECONDARY_BUTTON aria-label=format!("Stop the {label}")>"Stop"</button>
            </ActionForm>
            <FormAlert message=form_error(stop.value()) />
        </li>
    }
}

#[component]
fn AssignForm(patient_id: Uuid, refresh: RwSignal<u32>) -> impl IntoView {
    let assign = ServerAction::<AssignMeasure>::new();
    refresh_on_success(assign.value(), refresh);
    let last = assign.value();
    view! {
        <details class="rounded-xl border border-stone-200 bg-white p-4">
            <summary class="cursor-pointer font-medium text-teal-800">"Assign a questionnaire"</summary>
            <ActionForm action=assign attr:class="mt-3 grid gap-3 sm:grid-cols-3" attr:novalidate=true attr:data-testid="assign-form">
                <CsrfField />
                <input type="hidden" name="patient_id" value=patient_id.to_string() />
                <SelectField name="instrument" label="Questionnaire" error=field_error(last, "instrument")>
                    {Instrument::ALL.into_iter().map(|i| view! { <option value=i.key()>{format!("{} ({})", i.label(), i.measures())}</option> }).collect_view()}
                </SelectField>
                <SelectField name="schedule" label="How often" error=field_error(last, "schedule")>
                    {Schedule::ALL.into_iter().map(|s| view! { <option value=s.key()>{s.label()}</option> }).collect_view()}
                </SelectField>
                <TextField name="first_due" label="First due (blank: today)" input_type="date" error=field_error(last, "first_due") />
                <div class="sm:col-span-3 space-y-2">
                    <FormAlert message=form_error(last) />
                    <SubmitButton pending=assign.pending() label="Assign" busy="Assigning…" />
                </div>
            </ActionForm>
        </details>
    }
}
