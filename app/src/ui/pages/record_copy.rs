//! "My record" (`/me/record`) and a chart's "Copy of the record"
//! (`/patients/{id}/record`): say what the copy holds, ask for a fresh
//! confirmation that it is the person, then show the whole record as a
//! document to print or save as PDF, with the same record as a FHIR file
//! for another system. Each copy is recorded, and the patient sees it in
//! "Who accessed my record".

use crate::{
    api::record::{MakeCopyFor, Whose, get_my_record, get_record_copy},
    error::AppError,
    model::record::RecordCopy,
    ui::{
        components::{
            BackToPatient, FormAlert, LoadFailed, PrintButton, StepUpForm, SubmitButton,
            form_error, style,
        },
        pages::{disclosures::DisclosureFields, record_document::RecordDocument},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn MyRecordPage() -> impl IntoView {
    view! {
        <Title text="My record" />
        <div class="max-w-3xl space-y-6">
            <div class="space-y-2 print:hidden">
                <h1 class="text-2xl font-semibold">"My record"</h1>
                <p class="text-stone-700">
                    "A copy of everything your practice keeps about you: your details, insurance, diagnoses, treatment and safety plans, questionnaires and signed session notes. Read it here, print it or save it as a PDF, or download it as a file another health system can import (FHIR)."
                </p>
                <p class="text-sm text-stone-600">
                    "Your therapist's private psychotherapy notes are kept apart from your record and are not included. Each copy is recorded, and you will see it under Who accessed my record."
                </p>
                <p class="text-sm">
                    "Something wrong or missing? "
                    <a href="/me/amendments" class="text-teal-800 underline">"Ask for a correction"</a>
                    "."
                </p>
            </div>
            <CopyMaker whose=Whose::Own />
        </div>
    }
}

#[component]
pub fn PatientRecordPage() -> impl IntoView {
    let params = use_params_map();
    let patient =
        params.with_untracked(|p| p.get("id").and_then(|id| id.parse::<uuid::Uuid>().ok()));
    view! {
        <Title text="Copy of the record" />
        <div class="max-w-3xl space-y-6">
            {match patient {
                None => view! { <LoadFailed error=AppError::NotFound /> }.into_any(),
                Some(id) => view! {
                    <div class="space-y-2 print:hidden">
                        <BackToPatient patient_id=id />
                        <h1 class="text-2xl font-semibold">"Copy of the record"</h1>
                        <p class="text-stone-700">
                            "The patient's whole record, to give them or to send where they ask: details, insurance, diagnoses, plans, questionnaires and signed progress notes with their addenda. Psychotherapy notes are never included."
                        </p>
                        <p class="text-sm text-stone-600">"The copy is recorded in the access log, and the patient sees it in their portal."</p>
                    </div>
                    <h2 class="text-lg font-semibold print:hidden">"For the patient, or the care team"</h2>
                    <CopyMaker whose=Whose::Patient(id) />
                    <CopyForSomeone patient_id=id />
                }.into_any(),
            }}
        </div>
    }
}

/// The button that makes the copy, the confirmation it may ask for, then
/// the copy.
#[component]
fn CopyMaker(whose: Whose) -> impl IntoView {
    // 0 until asked; each ask (and each confirmation) reads the copy again.
    let asked = RwSignal::new(0u32);
    let copy = Resource::new(
        move || asked.get(),
        move |asked| async move {
            if asked == 0 {
                return None;
            }
            Some(match whose {
                Whose::Own => get_my_record().await,
                Whose::Patient(id) => get_record_copy(id).await.map(Some),
            })
        },
    );
    let carry_on = move |_token: String| asked.update(|n| *n += 1);
    let download = match whose {
        Whose::Own => "/me/record.json".to_owned(),
        Whose::Patient(id) => format!("/patients/{id}/record.json"),
    };
    view! {
        <Transition fallback=|| view! { <p>"Making the copy…"</p> }>
            {move || {
                let download = download.clone();
                Suspend::new(async move {
                    match copy.await {
                        None => view! {
                            <button type="button" class=style::PRIMARY_BUTTON on:click=move |_| asked.update(|n| *n += 1)>
                                "Make the copy"
                            </button>
                        }.into_any(),
                        Some(Err(AppError::StepUpRequired)) => view! { <StepUpForm then=carry_on /> }.into_any(),
                        Some(Err(error)) => view! { <LoadFailed error /> }.into_any(),
                        Some(Ok(None)) => view! {
                            <p class="rounded-xl border border-dashed border-stone-300 p-6 text-center text-stone-600">
                                "Your practice has not added your record yet, so there is nothing to copy."
                            </p>
                        }.into_any(),
                        Some(Ok(Some(copy))) => view! { <Made copy download /> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

#[component]
fn Made(copy: RecordCopy, download: String) -> impl IntoView {
    view! {
        <div class="flex flex-wrap gap-3 print:hidden" role="group" aria-label="Keep the copy">
            <PrintButton primary=true />
            <a href=download download="record.fhir.json" class=style::SECONDARY_BUTTON>"Download for another health system (FHIR)"</a>
        </div>
        <RecordDocument copy />
    }
}

/// A copy for someone outside the practice (another provider, a lawyer, an
/// insurer): who receives it, what for and on what legal basis; the copy
/// records the disclosure, and the patient sees it in their portal.
#[component]
fn CopyForSomeone(patient_id: uuid::Uuid) -> impl IntoView {
    let make = ServerAction::<MakeCopyFor>::new();
    let last = make.value();
    let form = NodeRef::<leptos::html::Form>::new();
    let token = crate::ui::csrf_token();
    // The step-up renews the session's token; the form is sent again
    // with the new one, and everything typed in it, as it stands.
    let fresh = RwSignal::new(None::<String>);
    let carry_on = move |new_token: String| {
        fresh.set(Some(new_token));
        send_again(form);
    };
    let made = Signal::derive(move || last.get().and_then(Result::ok));
    // The answer without the copy, for the fields' messages and the prompt.
    let outcome = Memo::new(move |_| {
        last.with(|v| {
            v.as_ref()
                .map(|r| r.as_ref().map(|_| ()).map_err(Clone::clone))
        })
    });
    let asks_step_up = move || outcome.with(|o| matches!(o, Some(Err(AppError::StepUpRequired))));
    let problem = form_error(outcome);
    view! {
        <details class="rounded-xl border border-stone-200 bg-white p-4 print:hidden">
            <summary class="cursor-pointer font-medium text-teal-800">"For someone else (recorded as a disclosure)"</summary>
            <ActionForm action=make node_ref=form attr:class="mt-3 space-y-3" attr:novalidate=true attr:data-testid="copy-for-someone">
                <input type="hidden" name="csrf_token" value=move || fresh.get().or_else(|| token.get()).unwrap_or_default() />
                <input type="hidden" name="patient_id" value=patient_id.to_string() />
                <p class="text-sm text-stone-700">"A copy of the whole record, today. It is added to the patient's disclosures, which they see in their portal."</p>
                <DisclosureFields last=outcome full=false />
                <FormAlert message=Signal::derive(move || if asks_step_up() { None } else { problem.get() }) />
                <SubmitButton pending=make.pending() label="Make the copy for them" busy="Making the copy…" />
            </ActionForm>
            {move || asks_step_up().then(|| view! { <StepUpForm then=carry_on /> })}
        </details>
        {move || made.get().map(|copy| view! {
            <p role="status" class="rounded-md border border-teal-300 bg-teal-50 p-3 text-sm text-teal-900 print:hidden">"Copy made and the disclosure recorded."</p>
            <Made copy download=format!("/patients/{patient_id}/record.json") />
        })}
    }
}

/// Sends `form` again once the page has drawn what just changed (a new
/// token in its hidden field).
fn send_again(form: NodeRef<leptos::html::Form>) {
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || {
        if let Some(form) = form.get_untracked() {
            let _ = form.request_submit();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = form;
}
