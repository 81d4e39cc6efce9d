//! Emergency access ("break the glass"): a therapist opens the chart of a
//! patient who is not on their caseload, for a limited time, after saying
//! why and confirming it is them with a fresh code. Said plainly on the
//! page: administrators are alerted and read the reason, the patient reads
//! it too (in "Who accessed my record"), and every view is recorded as made
//! under the emergency access.

use crate::{
    api::StartEmergencyAccess,
    error::AppError,
    ui::components::{
        CsrfField, FormAlert, LoadFailed, StepUpForm, field_error, problem_besides_step_up, style,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn EmergencyAccessPage() -> impl IntoView {
    let params = use_params_map();
    // The handle a caseload search gave for a patient it found outside the
    // caseload: the page never knows who the patient is.
    let search_match = params
        .with_untracked(|p| p.get("match"))
        .filter(|m| !m.is_empty());
    view! {
        <Title text="Emergency access" />
        {match search_match {
            Some(search_match) => view! { <EmergencyForm search_match /> }.into_any(),
            None => view! { <LoadFailed error=AppError::NotFound /> }.into_any(),
        }}
    }
}

#[component]
fn EmergencyForm(search_match: String) -> impl IntoView {
    let hidden = search_match.clone();
    // Stored, so the step-up form's "carry on" stays a copyable closure.
    let search_match = StoredValue::new(search_match);
    let start = ServerAction::<StartEmergencyAccess>::new();
    let reason = RwSignal::new(String::new());
    // A whole page load, not a client-side step: the step-up just before
    // renewed the session (and its token) while this page's resources were
    // still keyed to the old one, and the chart could wait on them forever
    // ("Loading…"). Loaded afresh, it reads the session as it is now.
    Effect::new(move |_| {
        if let Some(Ok(granted)) = start.value().get() {
            open_chart(granted.patient_id);
        }
    });
    let carry_on = move |csrf_token: String| {
        start.dispatch(StartEmergencyAccess {
            csrf_token,
            patient_id: None,
            search_match: search_match.get_value(),
            reason: reason.get_untracked(),
        });
    };
    let problem = Signal::derive(move || {
        problem_besides_step_up([start.value().get().and_then(Result::err)])
    });
    let error = field_error(start.value(), "reason");
    view! {
        <div class="max-w-2xl space-y-6">
            <h1 class="text-2xl font-semibold">"Emergency access to a chart"</h1>
            <div class="space-y-2 rounded-md border border-red-300 bg-red-50 p-4 text-red-950">
                <p class="font-medium">"This patient is not on your caseload."</p>
                <p class="text-sm">
                    "Open their chart only when their care cannot wait for their care team. The access lasts a limited time; your practice's administrators are alerted at once and read the reason you give here, the patient sees it beside the access in their portal, and every view is recorded as emergency access."
                </p>
            </div>
            <ActionForm action=start attr:class="space-y-4" attr:novalidate=true>
                <CsrfField />
                <input type="hidden" name="search_match" value=hidden />
                <div class="space-y-1">
                    <label for="reason" class="block font-medium text-stone-800">"Why do you need this chart now?"</label>
                    <p id="reason-hint" class="text-sm text-stone-600">
                        "Describe the situation (for example, an after-hours crisis call), not clinical details: the patient reads it too. At least 20 characters."
                    </p>
                    <textarea
                        id="reason"
                        name="reason"
                        rows="3"
                        prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))
                        aria-invalid=move || error.get().is_some().to_string()
                        aria-describedby="reason-hint reason-error"
                        class=style::FIELD
                    ></textarea>
                    <p id="reason-error" class="min-h-5 text-sm text-red-800">{move || error.get()}</p>
                </div>
                <FormAlert message=problem />
                <button type="submit" class=style::PRIMARY_BUTTON disabled=move || start.pending().get()>
                    "Open the chart with emergency access"
                </button>
            </ActionForm>
            {move || matches!(start.value().get(), Some(Err(AppError::StepUpRequired))).then(|| view! { <StepUpForm then=carry_on /> })}
        </div>
    }
}

/// Loads the chart of `patient` as a new page (browser only).
fn open_chart(patient: uuid::Uuid) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(&format!("/patients/{patient}"));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = patient;
}
