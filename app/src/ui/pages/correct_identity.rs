//! "Correct name or date of birth": the practice corrects a patient's
//! legal name or date of birth, with a reason. Shown on the chart (the
//! care team) and on *Patients* (administrators), folded away: a rare act.
//! Blank fields stay as they are; the reason is required and is kept,
//! sealed, with the values replaced.

use crate::{
    api::{CorrectIdentity, details::get_identity_corrections},
    model::{day::readable, details::PastCorrection},
    ui::components::{
        CsrfField, FormAlert, LoadFailed, SubmitButton, TextAreaField, TextField, clear_on_success,
        field_error, form_error, refresh_on_success,
    },
};
use leptos::prelude::*;
use uuid::Uuid;

#[component]
pub fn CorrectIdentityForm(
    patient_id: Uuid,
    /// Bumped after a correction, so the page reads the record again.
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let correct = ServerAction::<CorrectIdentity>::new();
    refresh_on_success(correct.value(), refresh);
    let last = correct.value();
    let form = clear_on_success(last);
    // Unique on a page that lists many patients.
    let id = move |name: &str| format!("{name}-{patient_id}");
    // Read the corrections made before only once someone opens the form:
    // a rare act, and the chart and the roster stay as cheap as they were.
    let opened = RwSignal::new(false);
    view! {
        <details class="text-sm" data-testid="correct-identity" on:toggle=move |_| opened.set(true)>
            <summary class="cursor-pointer text-teal-800 underline">"Correct name or date of birth…"</summary>
            <ActionForm action=correct node_ref=form attr:class="mt-2 max-w-xl space-y-3" attr:novalidate=true>
                <CsrfField />
                <input type="hidden" name="patient_id" value=patient_id.to_string() />
                <p class="text-stone-700">"Leave a field blank to keep it. The values replaced and your reason are kept with the record; the access log records the correction without either value."</p>
                <TextField name="legal_name" id=id("legal_name") label="Corrected legal name" autocomplete="off" error=field_error(last, "legal_name") />
                <TextField name="date_of_birth" id=id("date_of_birth") label="Corrected date of birth" input_type="date" error=field_error(last, "date_of_birth") />
                <TextAreaField name="reason" id=id("reason") label="Reason" hint="For example: checked against the patient's passport." rows=2 error=field_error(last, "reason") />
                <FormAlert message=form_error(last) />
                <p role="status" class="text-teal-900">{move || matches!(last.get(), Some(Ok(()))).then_some("Corrected.")}</p>
                <SubmitButton pending=correct.pending() label="Save the correction" busy="Saving…" />
            </ActionForm>
            {move || opened.get().then(|| view! { <Earlier patient_id /> })}
        </details>
    }
}

/// The corrections made before, newest first.
#[component]
fn Earlier(patient_id: Uuid) -> impl IntoView {
    let past = Resource::new(|| (), move |_| get_identity_corrections(patient_id));
    view! {
        <Transition fallback=|| view! { <p class="mt-3">"Loading earlier corrections…"</p> }>
            {move || Suspend::new(async move {
                match past.await {
                    Ok(list) if list.is_empty() => view! { <p class="mt-3 text-stone-600">"No earlier corrections."</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="mt-3 space-y-1">
                            <p class="font-medium text-stone-800">"Earlier corrections"</p>
                            <ul class="space-y-1" data-testid="earlier-corrections">
                                {list.into_iter().map(|c| view! { <li>{line(&c)}</li> }).collect_view()}
                            </ul>
                        </div>
                    }.into_any(),
                    Err(error) => view! { <LoadFailed error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// "4 Dec 2026 14:05, Dr. Rowan Ellis: the name was Kit Exampel. Spelling
/// checked against the intake form."
fn line(correction: &PastCorrection) -> String {
    let mut was = Vec::new();
    if let Some(name) = &correction.legal_name_was {
        was.push(format!("the name was {name}"));
    }
    if let Some(born) = &correction.date_of_birth_was {
        was.push(format!("the date of birth was {}", readable(born)));
    }
    format!(
        "{}, {}: {}. {}",
        correction.at,
        correction.by,
        was.join("; "),
        correction.reason
    )
}
