//! Caseload: the therapist's patients, searchable by part of a name (among
//! the charts already opened to list them), or by date of birth, email or
//! phone exactly, and sortable. Beyond the caseload, only an exact match
//! through the blind indexes finds a patient, for emergency access. Search and order live in the URL, so
//! the page works before the WASM arrives and can be bookmarked.

use crate::{
    api::{AddPatient, chart::get_caseload},
    model::chart::{Caseload, CaseloadSort},
    ui::components::{
        CsrfField, FormAlert, GetForm, LoadFailed, SubmitButton, TextField, field_error,
        form_error, style,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

#[component]
pub fn CaseloadPage() -> impl IntoView {
    let params = use_query_map();
    let search = Memo::new(move |_| params.with(|p| p.get("q").unwrap_or_default()));
    let sort = Memo::new(move |_| {
        params
            .with(|p| p.get("sort"))
            .and_then(|s| s.parse().ok())
            .unwrap_or(CaseloadSort::Name)
    });
    let caseload = Resource::new(
        move || (search.get(), sort.get()),
        |(search, sort)| get_caseload(search, sort.as_str().to_owned()),
    );
    view! {
        <Title text="Caseload" />
        <div class="space-y-6">
            <h1 class="text-2xl font-semibold">"Caseload"</h1>
            <GetForm action="/caseload" class="flex flex-wrap items-end gap-3" role="search">
                <div class="min-w-64 flex-1 space-y-1">
                    <label for="q" class="block text-sm font-medium text-stone-800">"Find a patient"</label>
                    <input
                        id="q"
                        name="q"
                        type="search"
                        value=move || search.get()
                        autocomplete="off"
                        aria-describedby="q-hint"
                        class="block w-full rounded-md border border-stone-300 bg-white px-3 py-2 shadow-sm focus:border-teal-600 focus:outline-none focus:ring-2 focus:ring-teal-600/30"
                    />
                    <p id="q-hint" class="text-sm text-stone-600">
                        "Part of a name, or a date of birth (YYYY-MM-DD), email or phone number. A patient who is not yours is found only by their whole name or an exact detail."
                    </p>
                </div>
                <div class="space-y-1">
                    <label for="sort" class="block text-sm font-medium text-stone-800">"Order by"</label>
                    <select id="sort" name="sort" class="block rounded-md border border-stone-300 bg-white px-3 py-2">
                        {[(CaseloadSort::Name, "Name"), (CaseloadSort::LastSeen, "Last seen"), (CaseloadSort::DateOfBirth, "Date of birth")]
                            .into_iter()
                            .map(|(value, label)| view! {
                                <option value=value.as_str() selected=move || sort.get() == value>{label}</option>
                            })
                            .collect_view()}
                    </select>
                    <p class="text-sm">" "</p>
                </div>
                <div class="space-y-1 pb-6">
                    <button type="submit" class=style::PRIMARY_BUTTON>"Search"</button>
                </div>
            </GetForm>
            <AddPatientForm />
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match caseload.await {
                        Ok(caseload) => view! { <CaseloadTable caseload searched=!search.get_untracked().trim().is_empty() /> }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// A patient the therapist sees, added to the practice with the therapist
/// on their care team; their chart opens next.
#[component]
fn AddPatientForm() -> impl IntoView {
    let add = ServerAction::<AddPatient>::new();
    let last = add.value();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = last.get() {
            navigate(&format!("/patients/{id}"), Default::default());
        }
    });
    view! {
        <details class="rounded-xl border border-stone-200 bg-white p-4">
            <summary class="cursor-pointer font-medium text-teal-800">"Add a patient"</summary>
            <ActionForm action=add attr:class="mt-3 space-y-3" attr:novalidate=true attr:data-testid="add-patient">
                <CsrfField />
                <p class="text-sm text-stone-600">"You join their care team. Email and phone are optional; invite them to the portal from People."</p>
                <div class="grid gap-3 sm:grid-cols-2">
                    <TextField name="legal_name" label="Legal name" autocomplete="off" error=field_error(last, "legal_name") />
                    <TextField name="date_of_birth" label="Date of birth" input_type="date" error=field_error(last, "date_of_birth") />
                    <TextField name="email" label="Email (optional)" input_type="email" autocomplete="off" error=field_error(last, "email") />
                    <TextField name="phone" label="Phone (optional)" input_type="tel" autocomplete="off" error=field_error(last, "phone") />
                </div>
                <FormAlert message=form_error(last) />
                <SubmitButton pending=add.pending() label="Add patient" busy="Adding…" />
            </ActionForm>
        </details>
    }
}

#[component]
fn CaseloadTable(caseload: Caseload, searched: bool) -> impl IntoView {
    let elsewhere = (!caseload.elsewhere.is_empty())
        .then(|| view! { <Elsewhere ids=caseload.elsewhere.clone() /> });
    if caseload.rows.is_empty() {
        let text = if caseload.total == 0 {
            "No patients on your caseload yet. Add a patient you see, or an administrator adds you to a patient's care team."
        } else if searched {
            "No patient on your caseload matches that. Search by part of a name, or by the date of birth (YYYY-MM-DD), the email or the phone number."
        } else {
            "No patients to show."
        };
        return view! {
            <p class="rounded-xl border border-dashed border-stone-300 p-6 text-center text-stone-600" data-testid="caseload-empty">
                {text}
                {searched.then(|| view! { " " <a href="/caseload" class="text-teal-800 underline">"Show everyone"</a> })}
            </p>
            {elsewhere}
        }
        .into_any();
    }
    let shown = caseload.rows.len();
    view! {
        <p class="text-sm text-stone-600" role="status">
            {if searched { format!("{shown} of {} patients match.", caseload.total) } else { format!("{shown} patients.") }}
        </p>
        <div class="overflow-x-auto rounded-xl border border-stone-200 bg-white">
            <table class="min-w-full text-sm" data-testid="caseload">
                <thead class="bg-stone-50 text-left text-stone-700">
                    <tr>
                        <th scope="col" class="px-4 py-2">"Name"</th>
                        <th scope="col" class="px-4 py-2">"Date of birth"</th>
                        <th scope="col" class="px-4 py-2">"Last seen"</th>
                        <th scope="col" class="px-4 py-2">"Drafts to sign"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-stone-200">
                    {caseload.rows.into_iter().map(|row| {
                        let href = format!("/patients/{}", row.patient_id);
                        view! {
                            <tr>
                                <th scope="row" class="px-4 py-2 text-left font-medium">
                                    {match row.legal_name {
                                        Some(name) => view! { <a href=href class="text-teal-800 underline">{name}</a> }.into_any(),
                                        None => view! { <span class="text-red-800">"Record unreadable — contact an administrator"</span> }.into_any(),
                                    }}
                                    {row.goes_by.map(|goes_by| view! { <span class="block text-sm font-normal text-stone-600" data-testid="goes-by">{goes_by}</span> })}
                                    {row.to_review.then(|| view! {
                                        <a href=format!("/patients/{}?tab=measures", row.patient_id) class="ml-2 rounded-full bg-rose-100 px-2 py-0.5 text-xs font-medium text-rose-900 underline" data-testid="needs-review">"Questionnaire needs review"</a>
                                    })}
                                </th>
                                <td class="px-4 py-2">{crate::model::day::readable(&row.date_of_birth)}</td>
                                <td class="px-4 py-2">{row.last_seen.as_deref().map_or_else(|| "Not yet".to_owned(), crate::model::day::readable)}</td>
                                <td class="px-4 py-2">{if row.open_drafts == 0 { "—".to_owned() } else { row.open_drafts.to_string() }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {elsewhere}
    }
    .into_any()
}

/// Patients of the practice, not on this caseload, that the search may
/// match: nothing about them is shown; emergency access can open them.
#[component]
fn Elsewhere(ids: Vec<String>) -> impl IntoView {
    view! {
        <div class="space-y-2 rounded-xl border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950" data-testid="elsewhere">
            <p>
                {if ids.len() == 1 { "A patient of the practice who is not on your caseload may match.".to_owned() } else { format!("{} patients of the practice who are not on your caseload may match.", ids.len()) }}
                " Their details stay closed unless their care cannot wait for their care team."
            </p>
            <ul class="flex flex-wrap gap-3">
                {ids.into_iter().enumerate().map(|(n, id)| view! {
                    <li>
                        <a href=format!("/emergency/{id}") class="font-medium text-red-900 underline">
                            {format!("Emergency access ({})", n + 1)}
                        </a>
                    </li>
                }).collect_view()}
            </ul>
        </div>
    }
}
