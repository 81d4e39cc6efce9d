//! Amendment requests about a patient's record, for the care team
//! (`/patients/{id}/amendments`): each request with the item it is about,
//! the patient's words, when it is due, and a form to decide it (accept,
//! saying what was amended; or deny, saying why) or to take the one
//! 30-day extension. A decision someone else made first is refused as a
//! conflict and the form keeps what was typed.

use crate::{
    api::{
        DecideAmendment, ExtendAmendment,
        amendments::{PatientAmendments, get_amendments},
    },
    model::{
        amendment::{Amendment, AmendmentStatus, EXTENSION_DAYS, ItemKind},
        day::readable,
    },
    ui::components::{
        BackToPatient, CsrfField, FormAlert, LoadFailed, PatientPage, SelectField, SubmitButton,
        TextAreaField, field_error, form_error, refresh_on_success,
    },
};
use leptos::prelude::*;
use uuid::Uuid;

#[component]
pub fn AmendmentsPage() -> impl IntoView {
    view! { <PatientPage title="Amendment requests" page=|id| view! { <ForPatient id /> }.into_any() /> }
}

#[component]
fn ForPatient(id: Uuid) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let requests = Resource::new(move || refresh.get(), move |_| get_amendments(id));
    view! {
        <div class="space-y-2">
            <BackToPatient patient_id=id />
            <h1 class="text-2xl font-semibold">"Amendment requests"</h1>
            <p class="text-stone-700">
                {format!("The patient asks for a correction of part of their record. Decide each within 60 days: accept it and say what was amended (for a signed note, it is added to the note as an addendum), or deny it and say why. Once, before it is due, you may take {EXTENSION_DAYS} more days, saying why. The patient reads every word you write here.")}
            </p>
        </div>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match requests.await {
                    Ok(requests) => view! { <Requests patient_id=id requests refresh /> }.into_any(),
                    Err(error) => view! { <LoadFailed error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Requests(
    patient_id: Uuid,
    requests: PatientAmendments,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    if requests.requests.is_empty() {
        return view! { <p class="text-stone-600" data-testid="no-amendments">{format!("{} has not asked for an amendment.", requests.patient_name)}</p> }.into_any();
    }
    view! {
        <ul class="space-y-4" data-testid="amendments">
            {requests.requests.into_iter().map(|amendment| {
                let pending = amendment.status == AmendmentStatus::Pending;
                let extendable = pending && amendment.extension.is_none() && !amendment.overdue;
                let id = amendment.id;
                view! {
                    <li class="space-y-3 rounded-xl border border-stone-200 bg-white p-4" data-testid="amendment">
                        <AmendmentSummary amendment chart=patient_id />
                        {pending.then(|| view! { <DecideForm patient_id amendment_id=id refresh /> })}
                        {extendable.then(|| view! { <ExtendForm patient_id amendment_id=id refresh /> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }.into_any()
}

/// One request: what it is about, the patient's words, when due, and what
/// became of it (the patient's own page shows the same).
#[component]
pub fn AmendmentSummary(
    amendment: Amendment,
    /// For the care team: the patient whose chart the item is in.
    #[prop(optional)]
    chart: Option<Uuid>,
) -> impl IntoView {
    let staff = chart.is_some();
    let (badge, badge_class) = match amendment.status {
        AmendmentStatus::Pending if amendment.overdue => ("Overdue", "bg-red-100 text-red-950"),
        AmendmentStatus::Pending => ("Waiting for a decision", "bg-amber-100 text-amber-950"),
        AmendmentStatus::Accepted => ("Accepted", "bg-teal-100 text-teal-950"),
        AmendmentStatus::Denied => ("Denied", "bg-stone-200 text-stone-900"),
    };
    // Staff open the item the request is about.
    let link = chart.map(|patient| match amendment.item_kind {
        ItemKind::Note => (format!("/notes/{}", amendment.item_id), "Open the note"),
        ItemKind::Diagnosis => (
            format!("/patients/{patient}?tab=diagnoses"),
            "Open the diagnoses",
        ),
        ItemKind::Plan => (
            format!("/patients/{patient}?tab=plan"),
            "Open the treatment plan",
        ),
        ItemKind::Details => (format!("/patients/{patient}"), "Open the details"),
    });
    let who = if staff { "The patient" } else { "You" };
    view! {
        <div class="space-y-2">
            <div class="flex flex-wrap items-center gap-x-3 gap-y-1">
                <h2 class="font-semibold">{amendment.item_label.clone()}</h2>
                <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {badge_class}")>{badge}</span>
            </div>
            <p class="text-sm text-stone-600">{format!("{who} asked on {}.", amendment.requested_at)}</p>
            <blockquote class="whitespace-pre-line border-l-4 border-stone-300 pl-3">{amendment.request.clone()}</blockquote>
            {link.map(|(href, text)| view! { <p class="text-sm"><a href=href class="text-teal-800 underline">{text}</a></p> })}
            {(amendment.status == AmendmentStatus::Pending).then(|| view! {
                <p class=if amendment.overdue { "text-sm font-medium text-red-800" } else { "text-sm text-stone-700" }>
                    {format!("A decision is due by {}.", readable(&amendment.due_on))}
                </p>
            })}
            {amendment.extension.clone().map(|(on, why)| view! {
                <p class="text-sm text-stone-700">{format!("On {}, the practice took {EXTENSION_DAYS} more days: {why}", readable(&on))}</p>
            })}
            {amendment.decision.clone().map(|decided| {
                let heading = match amendment.status {
                    AmendmentStatus::Accepted => format!("Accepted by {}, {}. What was amended:", decided.by, decided.at),
                    _ => format!("Denied by {}, {}. Why:", decided.by, decided.at),
                };
                view! {
                    <div class="rounded-md bg-stone-50 p-3 text-sm">
                        <p class="font-medium">{heading}</p>
                        <p class="whitespace-pre-line">{decided.text}</p>
                    </div>
                }
            })}
            {amendment.disagreement.clone().map(|(at, words)| view! {
                <div class="rounded-md border border-sky-200 bg-sky-50 p-3 text-sm" data-testid="disagreement">
                    <p class="font-medium">{format!("Statement of disagreement, {at}:")}</p>
                    <p class="whitespace-pre-line">{words}</p>
                    <p class="text-stone-700">"It travels with every later copy of the record, beside the item."</p>
                </div>
            })}
        </div>
    }
}

#[component]
fn DecideForm(patient_id: Uuid, amendment_id: Uuid, refresh: RwSignal<u32>) -> impl IntoView {
    let decide = ServerAction::<DecideAmendment>::new();
    refresh_on_success(decide.value(), refresh);
    let last = decide.value();
    let decision_id = format!("decision-{amendment_id}");
    let text_id = format!("decision-text-{amendment_id}");
    view! {
        <ActionForm action=decide attr:class="space-y-3 border-t border-stone-200 pt-3" attr:novalidate=true attr:data-testid="decide-amendment">
            <CsrfField />
            <input type="hidden" name="patient_id" value=patient_id.to_string() />
            <input type="hidden" name="amendment_id" value=amendment_id.to_string() />
            <SelectField name="decision" label="Decision" id=decision_id error=field_error(last, "decision")>
                <option value="">"Choose…"</option>
                <option value="accept">"Accept: the record is amended"</option>
                <option value="deny">"Deny: the record stays as it is"</option>
            </SelectField>
            <TextAreaField name="text" id=text_id label="What was amended, or why it is denied" hint="The patient reads this. A denial says why, and that they may file a statement of disagreement." rows=4 error=field_error(last, "text") />
            <FormAlert message=form_error(last) />
            <SubmitButton pending=decide.pending() label="Record the decision" busy="Recording…" />
        </ActionForm>
    }
}

#[component]
fn ExtendForm(patient_id: Uuid, amendment_id: Uuid, refresh: RwSignal<u32>) -> impl IntoView {
    let extend = ServerAction::<ExtendAmendment>::new();
    refresh_on_success(extend.value(), refresh);
    let last = extend.value();
    let reason_id = format!("extension-{amendment_id}");
    view! {
        <details class="border-t border-stone-200 pt-3">
            <summary class="cursor-pointer text-sm font-medium text-teal-800">{format!("Take {EXTENSION_DAYS} more days…")}</summary>
            <ActionForm action=extend attr:class="mt-2 space-y-3" attr:novalidate=true attr:data-testid="extend-amendment">
                <CsrfField />
                <input type="hidden" name="patient_id" value=patient_id.to_string() />
                <input type="hidden" name="amendment_id" value=amendment_id.to_string() />
                <TextAreaField name="reason" id=reason_id label="Why more time is needed" hint="Once only, and the patient reads it." rows=2 error=field_error(last, "reason") />
                <FormAlert message=form_error(last) />
                <SubmitButton pending=extend.pending() label="Extend by 30 days" busy="Extending…" />
            </ActionForm>
        </details>
    }
}
