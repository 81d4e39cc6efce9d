//! Disclosures of a patient's record. Staff (`/patients/{id}/disclosures`)
//! record one and read the accounting for the patient, as a page that
//! prints; the patient (`/me/disclosures`) sees six years of them.
//! Disclosures for treatment, payment or the practice's operations are
//! listed too, and labelled as such: the rule's accounting leaves them out,
//! and the page says which ones it covers.

use crate::{
    api::{
        RecordDisclosure,
        disclosures::{get_accounting, get_my_disclosures},
    },
    error::AppError,
    model::{
        consent::{Consent, PART2_NOTICE},
        day::readable,
        disclosure::{Accounting, Disclosure, DisclosureKind, LegalBasis},
    },
    ui::components::{
        BackToPatient, CsrfField, FormAlert, LoadFailed, PatientPage, PrintButton, SelectField,
        SubmitButton, TextAreaField, TextField, clear_on_success, field_error, form_error,
        refresh_on_success,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

#[component]
pub fn DisclosuresPage() -> impl IntoView {
    view! { <PatientPage title="Disclosures" page=|id| view! { <ForPatient id /> }.into_any() /> }
}

#[component]
fn ForPatient(id: Uuid) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    // Above the page's Transition: the form inside it is drawn again when
    // the list refreshes, and its answer must outlive that.
    let record = ServerAction::<RecordDisclosure>::new();
    refresh_on_success(record.value(), refresh);
    let accounting = Resource::new(move || refresh.get(), move |_| get_accounting(id));
    view! {
        <div class="space-y-2 print:hidden">
            <BackToPatient patient_id=id />
            <h1 class="text-2xl font-semibold">"Disclosures"</h1>
            <p class="text-stone-700">
                "Record each time any part of this patient's record leaves the practice: to another provider, an insurer, a court, an agency. A copy of the record made for someone else is recorded here by itself. The patient sees the last six years in their portal."
            </p>
        </div>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match accounting.await {
                    Ok(accounting) => view! {
                        <details class="rounded-xl border border-stone-200 bg-white p-4 print:hidden">
                            <summary class="cursor-pointer font-medium text-teal-800">"Record a disclosure"</summary>
                            <RecordForm patient_id=id record releases=accounting.releases.clone() />
                        </details>
                        <AccountingDocument accounting />
                    }.into_any(),
                    Err(error) => view! { <LoadFailed error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The fields a disclosure's recipient, purpose and legal basis take: the
/// disclosure form, and the form that makes a copy for someone else.
#[component]
pub fn DisclosureFields(
    /// The last answer to the form, without what it made: each field reads
    /// its message from it, and a copy of the record is not cloned for that.
    #[prop(into)]
    last: Signal<Option<Result<(), AppError>>>,
    /// Whether to ask for the day and what was disclosed (a copy is today,
    /// and is the whole record).
    full: bool,
    /// The patient's releases, to name the one it was made under.
    #[prop(optional)]
    releases: Vec<Consent>,
) -> impl IntoView {
    let has_releases = !releases.is_empty();
    view! {
        <div class="grid gap-3 sm:grid-cols-2">
            <TextField name="recipient" label="Who received it" autocomplete="off" error=field_error(last, "recipient") />
            <TextField name="recipient_address" label="Their address (optional)" autocomplete="off" error=field_error(last, "recipient_address") />
        </div>
        {full.then(|| view! {
            <TextField name="disclosed_on" label="Disclosed on (blank for today)" input_type="date" error=field_error(last, "disclosed_on") />
            <TextAreaField name="description" label="What was disclosed" hint="For example: attendance dates from March to June; the diagnosis and treatment plan." rows=3 error=field_error(last, "description") />
        })}
        <SelectField name="kind" label="What it was for" error=field_error(last, "kind")>
            <option value="">"Choose…"</option>
            {DisclosureKind::ALL.iter().map(|kind| view! { <option value=kind.as_str()>{kind.label()}</option> }).collect_view()}
        </SelectField>
        <TextField name="purpose" label="Purpose, in a sentence" autocomplete="off" error=field_error(last, "purpose") />
        <SelectField name="legal_basis" label="Legal basis" error=field_error(last, "legal_basis")>
            <option value="">"Choose…"</option>
            {LegalBasis::ALL.iter().map(|basis| view! { <option value=basis.as_str()>{basis.label()}</option> }).collect_view()}
        </SelectField>
        {has_releases.then(|| view! {
            <SelectField name="release_id" label="Under the patient's release (optional)" error=field_error(last, "release_id")>
                <option value="">"None on record"</option>
                {releases.into_iter().map(|release| {
                    let to = release.release.as_ref().map(|r| r.recipient.clone()).unwrap_or_default();
                    let until = release.expires_on.clone().map(|d| format!(", until {}", readable(&d))).unwrap_or_default();
                    let label = format!("{} to {to}{until} ({})", release.title, release.state.label().to_lowercase());
                    view! { <option value=release.id.to_string()>{label}</option> }
                }).collect_view()}
            </SelectField>
        })}
        {full.then(|| view! {
            <label class="flex items-start gap-2 text-sm">
                <input type="checkbox" name="sud_records" class="mt-1" />
                <span>"It included records of substance-use disorder counseling (42 CFR Part 2): the notice below goes with it."</span>
            </label>
        })}
    }
}

/// The notice that goes with every disclosure of substance-use counseling
/// records.
#[component]
pub fn Part2Notice() -> impl IntoView {
    view! {
        <aside class="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950" data-testid="part2-notice">
            <p class="font-semibold">"Notice to the recipient (42 CFR 2.32)"</p>
            <p>{PART2_NOTICE}</p>
        </aside>
    }
}

#[component]
fn RecordForm(
    patient_id: Uuid,
    record: ServerAction<RecordDisclosure>,
    releases: Vec<Consent>,
) -> impl IntoView {
    let last = record.value();
    let form = clear_on_success(last);
    let warnings = move || match last.get() {
        Some(Ok(warnings)) => warnings,
        _ => Vec::new(),
    };
    let saved = move || matches!(last.get(), Some(Ok(_)));
    let answered = Signal::derive(move || last.get().map(|answer| answer.map(|_| ())));
    view! {
        <ActionForm action=record node_ref=form attr:class="mt-3 space-y-3" attr:novalidate=true attr:data-testid="record-disclosure">
            <CsrfField />
            <input type="hidden" name="patient_id" value=patient_id.to_string() />
            <DisclosureFields last=answered full=true releases />
            <FormAlert message=form_error(last) />
            <p role="status" class="text-sm text-teal-900">{move || saved().then_some("Disclosure recorded.")}</p>
            <div role="alert">
                <ul class="space-y-1 text-sm font-medium text-red-800" data-testid="disclosure-warnings">
                    {move || warnings().into_iter().map(|w| view! { <li>{w.label()}</li> }).collect_view()}
                </ul>
            </div>
            <SubmitButton pending=record.pending() label="Record the disclosure" busy="Recording…" />
        </ActionForm>
    }
}

/// The accounting, as a document that prints.
#[component]
fn AccountingDocument(accounting: Accounting) -> impl IntoView {
    let since = accounting.since.clone();
    let count = accounting
        .disclosures
        .iter()
        .filter(|d| d.kind.in_accounting() && d.disclosed_on >= since)
        .count();
    let any_sud = accounting.disclosures.iter().any(|d| d.sud_records);
    view! {
        <article class="space-y-4 rounded-xl border border-stone-200 bg-white p-5 print:border-0 print:p-0" aria-labelledby="accounting-heading" data-testid="accounting">
            <header class="space-y-1">
                <h2 id="accounting-heading" class="text-xl font-semibold">"Accounting of disclosures"</h2>
                <p>{format!("{} · {}", accounting.patient_name, accounting.practice)}</p>
                <p class="text-sm text-stone-600">
                    {format!("Produced {}. It covers {} to {}: {} disclosure{} the patient is owed an accounting of.",
                        readable(&accounting.today), readable(&since), readable(&accounting.today), count, if count == 1 { "" } else { "s" })}
                </p>
                <p class="text-sm text-stone-600">"Disclosures for treatment, payment or the practice's operations are listed and labelled, but are not part of the accounting the law requires."</p>
            </header>
            {if accounting.disclosures.is_empty() {
                view! { <p class="text-stone-600" data-testid="no-disclosures">"No disclosures recorded."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-stone-200" data-testid="disclosures">
                        {accounting.disclosures.into_iter().map(|disclosure| {
                            let old = disclosure.disclosed_on < since;
                            view! { <DisclosureItem disclosure staff=true old /> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {any_sud.then(|| view! { <Part2Notice /> })}
            <PrintButton />
        </article>
    }
}

/// One disclosure in a list: when, to whom, what, why, on what basis.
#[component]
fn DisclosureItem(
    disclosure: Disclosure,
    staff: bool,
    #[prop(optional)] old: bool,
) -> impl IntoView {
    let routine = !disclosure.kind.in_accounting();
    let source = if disclosure.by_copy {
        format!("A copy of the record made by {}", disclosure.recorded_by)
    } else {
        format!("Recorded by {}", disclosure.recorded_by)
    };
    view! {
        <li class="space-y-1 py-3">
            <div class="flex flex-wrap items-center gap-x-3 gap-y-1">
                <span class="font-semibold">{readable(&disclosure.disclosed_on)}</span>
                <span class="font-semibold">{disclosure.recipient.clone()}</span>
                {routine.then(|| view! {
                    <span class="rounded-full bg-stone-100 px-2 py-0.5 text-xs font-medium text-stone-800">"Treatment, payment or operations"</span>
                })}
                {old.then(|| view! {
                    <span class="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-950">"Older than six years"</span>
                })}
            </div>
            {disclosure.recipient_address.clone().map(|address| view! { <p class="text-sm text-stone-700">{address}</p> })}
            <p class="text-sm">{format!("What: {}", disclosure.description)}</p>
            <p class="text-sm">{format!("Why: {}", disclosure.purpose)}</p>
            <p class="text-sm text-stone-700">{format!("Legal basis: {}", disclosure.legal_basis.label())}</p>
            {disclosure.sud_records.then(|| view! {
                <p class="text-sm text-stone-700">"Included substance-use counseling records; sent with the 42 CFR Part 2 notice."</p>
            })}
            {(!disclosure.warnings.is_empty()).then(|| view! {
                <ul class="text-sm font-medium text-red-800" data-testid="disclosure-warned">
                    {disclosure.warnings.iter().map(|w| view! { <li>{w.label()}</li> }).collect_view()}
                </ul>
            })}
            {staff.then(|| view! { <p class="text-sm text-stone-600">{source}</p> })}
        </li>
    }
}

#[component]
pub fn MyDisclosuresPage() -> impl IntoView {
    let disclosures = Resource::new(|| (), |_| get_my_disclosures());
    view! {
        <Title text="Who my record was shared with" />
        <div class="max-w-3xl space-y-6">
            <h1 class="text-2xl font-semibold">"Who my record was shared with"</h1>
            <p class="text-stone-700">
                "Each time your practice sent any part of your record to someone outside it in the last six years: when, to whom, what, and why. Sharing for your treatment, for payment or for running the practice is labelled; the law does not require it to be listed, but we show it anyway."
            </p>
            <p class="text-sm">
                "Who at the practice opened your record is in "
                <a href="/me/access" class="text-teal-800 underline">"Who accessed my record"</a>
                "."
            </p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match disclosures.await {
                        Ok(Some(list)) if !list.is_empty() => view! {
                            <ul class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white px-4" data-testid="my-disclosures">
                                {list.into_iter().map(|disclosure| view! { <DisclosureItem disclosure staff=false /> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Ok(_) => view! {
                            <p class="rounded-xl border border-dashed border-stone-300 p-6 text-center text-stone-600" data-testid="no-disclosures">
                                "Your record has not been shared with anyone outside the practice in the last six years."
                            </p>
                        }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
