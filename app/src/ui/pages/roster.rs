//! Administrators' patient roster: who the practice's patients are,
//! whether they use the portal, and who treats them — the minimum needed
//! to run the practice, nothing clinical. Administrators assign therapists
//! to care teams here (which is what lets a therapist open a chart) and
//! remove a patient from the practice's lists (kept for retention, and
//! recorded). Each name shown is recorded in the trail.

use crate::{
    api::{ChangeCareTeam, ChangeLegalHold, RemovePatient, roster::get_roster},
    model::roster::{RosterRow, TeamMember},
    ui::components::{
        Confirm, CsrfField, FormAlert, LoadFailed, SelectField, TextField, field_error, form_error,
        refresh_on_success, style,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RosterPage() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let roster = Resource::new(move || refresh.get(), |_| get_roster());
    view! {
        <Title text="Patients" />
        <div class="space-y-6">
            <div class="space-y-1">
                <h1 class="text-2xl font-semibold">"Patients"</h1>
                <p class="text-stone-700">
                    "The practice's patients and their care teams. A therapist can open a patient's chart only while on their care team. Opening this list is recorded for each patient shown."
                </p>
            </div>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match roster.await {
                        Ok(roster) if roster.rows.is_empty() => view! {
                            <p class="rounded-xl border border-dashed border-stone-300 p-6 text-center text-stone-600" data-testid="no-patients">
                                "No patients yet. Therapists add the patients they see."
                            </p>
                        }.into_any(),
                        Ok(roster) => {
                            let therapists = roster.therapists;
                            view! {
                                <p class="text-sm text-stone-600">{format!("{} patients", roster.rows.len())}</p>
                                <ul class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white" data-testid="roster">
                                    {roster.rows.into_iter().map(|row| view! {
                                        <RosterItem row therapists=therapists.clone() refresh />
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn RosterItem(
    row: RosterRow,
    therapists: Vec<TeamMember>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let change = ServerAction::<ChangeCareTeam>::new();
    let remove = ServerAction::<RemovePatient>::new();
    let hold = ServerAction::<ChangeLegalHold>::new();
    let hold_asked = super::retention::last_patient(move || hold.input().get(), |i| i.patient_id);
    refresh_on_success(change.value(), refresh);
    refresh_on_success(remove.value(), refresh);
    let patient_id = row.patient_id.to_string();
    let name = row
        .legal_name
        .clone()
        .unwrap_or_else(|| "Record unreadable — contact an administrator".to_owned());
    let on_team: Vec<_> = row.care_team.iter().map(|m| m.id).collect();
    let candidates: Vec<TeamMember> = therapists
        .into_iter()
        .filter(|t| !on_team.contains(&t.id))
        .collect();
    let select_id = format!("therapist-{patient_id}");
    let confirm_id = format!("confirm-{patient_id}");
    let confirm_error = field_error(remove.value(), "confirm");
    let therapist_error = field_error(change.value(), "therapist_id");
    let (for_team, for_add, for_copy, for_remove) = (
        patient_id.clone(),
        patient_id.clone(),
        patient_id.clone(),
        patient_id,
    );
    view! {
        <li class="space-y-3 px-4 py-4" data-testid="roster-row">
            <div class="flex flex-wrap items-baseline gap-x-4 gap-y-1">
                <span class="font-medium" data-testid="roster-name">{name.clone()}</span>
                <span class="text-sm text-stone-600">
                    {if row.portal_account { "Uses the portal" } else { "No portal account" }}
                </span>
            </div>
            <div class="space-y-2">
                <h2 class="text-sm font-medium text-stone-700">"Care team"</h2>
                {if row.care_team.is_empty() {
                    view! { <p class="text-sm text-amber-900">"No therapist yet: no one can open this chart."</p> }.into_any()
                } else {
                    view! {
                        <ul class="flex flex-wrap gap-2" aria-label=format!("Care team of {name}")>
                            {row.care_team.into_iter().map(|member| {
                                let patient_id = for_team.clone();
                                let label = format!("Remove {} from the care team", member.name);
                                // Taking away someone's access to a chart asks first.
                                let question = format!("Remove {} from {name}'s care team? They can no longer open this chart.", member.name);
                                view! {
                                    <li class="flex items-start gap-1 rounded-xl bg-stone-100 py-0.5 pl-3 pr-1 text-sm">
                                        <span class="py-1">{member.name.clone()}</span>
                                        <Confirm label="Remove…" aria_label=label.clone() question>
                                            <ActionForm action=change>
                                                <CsrfField />
                                                <input type="hidden" name="patient_id" value=patient_id />
                                                <input type="hidden" name="therapist_id" value=member.id.to_string() />
                                                <input type="hidden" name="remove" value="true" />
                                                <button type="submit" aria-label=format!("Yes, {}", label.to_lowercase()) class="rounded-md bg-red-700 px-2 py-1 text-xs font-medium text-white hover:bg-red-800">"Yes, remove"</button>
                                            </ActionForm>
                                        </Confirm>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                {(!candidates.is_empty()).then(|| view! {
                    <ActionForm action=change attr:class="flex flex-wrap items-end gap-2">
                        <CsrfField />
                        <input type="hidden" name="patient_id" value=for_add />
                        <SelectField name="therapist_id" id=select_id label="Add a therapist" error=therapist_error>
                            {candidates.into_iter().map(|t| view! { <option value=t.id.to_string()>{t.name}</option> }).collect_view()}
                        </SelectField>
                        <button type="submit" class=style::SECONDARY_BUTTON>"Add to care team"</button>
                    </ActionForm>
                })}
                <FormAlert message=form_error(change.value()) />
            </div>
            <p class="text-sm">
                <a href=format!("/patients/{for_copy}/record") class="text-teal-800 underline" aria-label=format!("Copy of the record of {name}")>"Copy of the record"</a>
                " · "
                <a href=format!("/patients/{for_copy}/disclosures") class="text-teal-800 underline" aria-label=format!("Disclosures of {name}")>"Disclosures"</a>
                " · "
                <a href=format!("/patients/{for_copy}/consents") class="text-teal-800 underline" aria-label=format!("Consents of {name}")>"Consents"</a>
            </p>
            <super::correct_identity::CorrectIdentityForm patient_id=row.patient_id refresh />
            <super::retention::HoldForm patient=row.patient_id name=name.clone() lift=false action=hold asked=hold_asked />
            {move || matches!(hold.value().get(), Some(Ok(()))).then(|| view! {
                <p role="status" class="text-sm text-teal-900">"A legal hold now keeps this record. The Retention page lists it, and lifts it."</p>
            })}
            <details class="text-sm">
                <summary class="cursor-pointer text-red-800 underline">"Remove from the practice’s lists…"</summary>
                <ActionForm action=remove attr:class="mt-2 space-y-2" attr:novalidate=true>
                    <CsrfField />
                    <input type="hidden" name="patient_id" value=for_remove />
                    <p class="text-stone-700">
                        "The patient leaves every list and their care team can no longer open the chart. Nothing is erased: the record is kept as the law requires, and this is recorded."
                    </p>
                    <div class="max-w-xs">
                        <TextField name="confirm" id=confirm_id label="Type remove to confirm" autocomplete="off" error=confirm_error />
                    </div>
                    <FormAlert message=form_error(remove.value()) />
                    <button type="submit" class="rounded-md bg-red-700 px-4 py-2 font-medium text-white hover:bg-red-800 focus:outline-none focus:ring-2 focus:ring-red-600 focus:ring-offset-2">"Remove patient"</button>
                </ActionForm>
            </details>
        </li>
    }
}
