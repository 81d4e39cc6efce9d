//! "Correct name or date of birth": the practice corrects a patient's
//! legal name or date of birth, with a reason. Shown on the chart (the
//! care team) and on *Patients* (administrators), folded away: a rare act.
//! Blank fields stay as they are; the reason is required and is kept,
//! sealed, with the values replaced.

use crate::{
    api::CorrectIdentity,
    ui::components::{
        CsrfField, FormAlert, SubmitButton, TextAreaField, TextField, clear_on_success,
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
    view! {
        <details class="text-sm" data-testid="correct-identity">
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
        </details>
    }
}
