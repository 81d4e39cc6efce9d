//! The chart's *Diagnoses* tab: active diagnoses first, each resolvable
//! with a date; resolved ones below, kept (nothing in a chart is removed);
//! and a form to record a new one. Every form works as plain HTML too.

use crate::{
    api::{AddDiagnosis, ResolveDiagnosis},
    model::chart::{Diagnosis, DiagnosisStatus},
    ui::components::{
        CsrfField, FormAlert, SubmitButton, TextField, clear_on_success, field_error, form_error,
        refresh_on_success, style,
    },
};
use leptos::prelude::*;
use uuid::Uuid;

#[component]
pub fn DiagnosesTab(
    patient_id: Uuid,
    diagnoses: Vec<Diagnosis>,
    /// Bumped after a change, so the chart is read again.
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let active = diagnoses
        .iter()
        .filter(|d| d.status == DiagnosisStatus::Active)
        .count();
    let summary = match (diagnoses.len(), active) {
        (0, _) => "No diagnoses recorded yet.".to_owned(),
        (all, active) => format!("{active} active, {} resolved.", all - active),
    };
    view! {
        <section aria-labelledby="diagnoses-heading" class="space-y-6">
            <div class="space-y-1">
                <h2 id="diagnoses-heading" class="text-lg font-semibold">"Diagnoses"</h2>
                <p class="text-sm text-stone-600" data-testid="diagnoses-summary">{summary}</p>
            </div>
            {(!diagnoses.is_empty()).then(|| view! {
                <ul class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white" data-testid="diagnoses">
                    {diagnoses.into_iter().map(|diagnosis| view! { <DiagnosisItem diagnosis refresh /> }).collect_view()}
                </ul>
            })}
            <AddDiagnosisForm patient_id refresh />
        </section>
    }
}

#[component]
fn DiagnosisItem(diagnosis: Diagnosis, refresh: RwSignal<u32>) -> impl IntoView {
    let resolve = ServerAction::<ResolveDiagnosis>::new();
    refresh_on_success(resolve.value(), refresh);
    let (badge, class) = match diagnosis.status {
        DiagnosisStatus::Active => ("Active", "bg-teal-100 text-teal-900"),
        DiagnosisStatus::Resolved => ("Resolved", "bg-stone-200 text-stone-800"),
    };
    let dates = match &diagnosis.resolved_date {
        Some(resolved) => format!(
            "Since {} · resolved {}",
            crate::model::day::readable(&diagnosis.onset_date),
            crate::model::day::readable(resolved)
        ),
        None => format!(
            "Since {}",
            crate::model::day::readable(&diagnosis.onset_date)
        ),
    };
    let active = diagnosis.status == DiagnosisStatus::Active;
    let id = diagnosis.id;
    // Each item's field has its own id, so a label finds its own field.
    let field = format!("resolved_date-{id}");
    let error = field_error(resolve.value(), "resolved_date");
    view! {
        <li class="space-y-2 px-4 py-3">
            <div class="flex flex-wrap items-center gap-x-4 gap-y-1">
                <span class="font-mono font-semibold">{diagnosis.code.clone()}</span>
                <span class="font-medium">{diagnosis.description.clone()}</span>
                <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {class}")>{badge}</span>
            </div>
            <p class="text-sm text-stone-600">{format!("{dates} · recorded by {}", diagnosis.recorded_by)}</p>
            {active.then(|| view! {
                <details class="text-sm">
                    <summary class="cursor-pointer text-teal-800 underline">"Mark resolved"</summary>
                    <ActionForm action=resolve attr:class="mt-2 flex flex-wrap items-end gap-3" attr:novalidate=true>
                        <CsrfField />
                        <input type="hidden" name="diagnosis_id" value=id.to_string() />
                        <TextField name="resolved_date" id=field.clone() label="Resolved on (YYYY-MM-DD)" input_type="date" error />
                        <button type="submit" class=style::SECONDARY_BUTTON>"Resolve"</button>
                    </ActionForm>
                </details>
            })}
        </li>
    }
}

#[component]
fn AddDiagnosisForm(patient_id: Uuid, refresh: RwSignal<u32>) -> impl IntoView {
    let add = ServerAction::<AddDiagnosis>::new();
    refresh_on_success(add.value(), refresh);
    let last = add.value();
    let form = clear_on_success(last);
    view! {
        <ActionForm action=add node_ref=form attr:class="space-y-3 rounded-xl border border-stone-200 bg-white p-4" attr:novalidate=true attr:data-testid="add-diagnosis">
            <h3 class="font-semibold">"Record a diagnosis"</h3>
            <CsrfField />
            <input type="hidden" name="patient_id" value=patient_id.to_string() />
            <div class="grid gap-3 sm:grid-cols-[10rem_1fr_12rem]">
                <TextField name="code" label="ICD-10 code" error=field_error(last, "code") />
                <TextField name="description" label="Description" error=field_error(last, "description") />
                <TextField name="onset_date" label="Onset date" input_type="date" error=field_error(last, "onset_date") />
            </div>
            <FormAlert message=form_error(last) />
            <SubmitButton pending=add.pending() label="Record diagnosis" busy="Recording…" />
        </ActionForm>
    }
}
