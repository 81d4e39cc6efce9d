//! The insurance part of the chart's overview: the policies (primary
//! first, ended ones kept below), each can be made primary or ended, and a
//! form to record a new one. Every form works as plain HTML too.

use crate::{
    api::{AddInsurance, ChangeInsurance},
    model::details::{InsurancePolicy, Subscriber},
    ui::components::{
        CsrfField, FormAlert, SelectField, SubmitButton, TextField, clear_on_success, field_error,
        form_error, refresh_on_success, style,
    },
};
use leptos::prelude::*;
use uuid::Uuid;

#[component]
pub fn InsuranceSection(
    patient_id: Uuid,
    policies: Vec<InsurancePolicy>,
    /// Bumped after a change, so the chart is read again.
    refresh: RwSignal<u32>,
) -> impl IntoView {
    view! {
        <section aria-labelledby="insurance-heading" class="mt-6 space-y-3">
            <h2 id="insurance-heading" class="text-lg font-semibold">"Insurance"</h2>
            {if policies.is_empty() {
                view! { <p class="text-sm text-stone-600" data-testid="no-insurance">"No insurance recorded. Self-pay until a policy is added."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white" data-testid="insurance">
                        {policies.into_iter().map(|policy| view! { <PolicyItem patient_id policy refresh /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <details class="rounded-xl border border-stone-200 bg-white p-4">
                <summary class="cursor-pointer font-medium text-teal-800">"Add a policy"</summary>
                <AddPolicyForm patient_id refresh />
            </details>
        </section>
    }
}

#[component]
fn PolicyItem(patient_id: Uuid, policy: InsurancePolicy, refresh: RwSignal<u32>) -> impl IntoView {
    let change = ServerAction::<ChangeInsurance>::new();
    refresh_on_success(change.value(), refresh);
    let (badge, class) = match (policy.primary, policy.in_use) {
        (true, _) => ("Primary", "bg-teal-100 text-teal-900"),
        (false, true) => ("Secondary", "bg-stone-100 text-stone-800"),
        (false, false) => ("Ended", "bg-stone-100 text-stone-600"),
    };
    let holder = match &policy.subscriber {
        Subscriber::Patient => "Subscriber: the patient".to_owned(),
        Subscriber::Other {
            name,
            date_of_birth,
        } => format!(
            "Subscriber: {name}, born {}",
            crate::model::day::readable(date_of_birth)
        ),
    };
    let dates = match (&policy.effective_from, &policy.effective_to) {
        (None, None) => None,
        (from, to) => Some(format!(
            "Effective {} to {}",
            from.as_deref()
                .map_or("—".to_owned(), crate::model::day::readable),
            to.as_deref()
                .map_or("—".to_owned(), crate::model::day::readable),
        )),
    };
    let group = policy.group_number.clone().map(|g| format!(" · Group {g}"));
    let label = policy.payer.clone();
    let id = policy.id;
    let button = move |value: &'static str, text: &'static str| {
        let label = label.clone();
        view! {
            <ActionForm action=change>
                <CsrfField />
                <input type="hidden" name="patient_id" value=patient_id.to_string() />
                <input type="hidden" name="policy_id" value=id.to_string() />
                <input type="hidden" name="change" value=value />
                <button type="submit" class=style::SECONDARY_BUTTON aria-label=format!("{text}: {}", label)>{text}</button>
            </ActionForm>
        }
    };
    view! {
        <li class="space-y-1 px-4 py-3">
            <div class="flex flex-wrap items-center gap-x-4 gap-y-1">
                <span class="font-semibold">{policy.payer.clone()}</span>
                <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {class}")>{badge}</span>
            </div>
            <p class="text-sm">{format!("Member {}", policy.member_id)}{group}</p>
            <p class="text-sm text-stone-600">{holder}{dates.map(|d| format!(" · {d}"))}{format!(" · recorded by {}", policy.recorded_by)}</p>
            {policy.in_use.then(|| view! {
                <div class="flex flex-wrap gap-2 pt-1">
                    {(!policy.primary).then(|| button("primary", "Make primary"))}
                    {button("end", "No longer in use")}
                </div>
            })}
            <FormAlert message=form_error(change.value()) />
        </li>
    }
}

#[component]
fn AddPolicyForm(patient_id: Uuid, refresh: RwSignal<u32>) -> impl IntoView {
    let add = ServerAction::<AddInsurance>::new();
    refresh_on_success(add.value(), refresh);
    let last = add.value();
    let form = clear_on_success(last);
    view! {
        <ActionForm action=add node_ref=form attr:class="mt-3 space-y-3" attr:novalidate=true attr:data-testid="add-insurance">
            <CsrfField />
            <input type="hidden" name="patient_id" value=patient_id.to_string() />
            <TextField name="payer" label="Insurer or plan" error=field_error(last, "payer") />
            <div class="grid gap-3 sm:grid-cols-2">
                <TextField name="member_id" label="Member number" autocomplete="off" error=field_error(last, "member_id") />
                <TextField name="group_number" label="Group number (optional)" autocomplete="off" error=field_error(last, "group_number") />
            </div>
            <SelectField name="subscriber" label="Who holds the policy" error=field_error(last, "subscriber")>
                <option value="self">"The patient"</option>
                <option value="other">"Someone else (a parent, a spouse)"</option>
            </SelectField>
            <div class="grid gap-3 sm:grid-cols-2">
                <TextField name="subscriber_name" label="Subscriber's name (if someone else)" autocomplete="off" error=field_error(last, "subscriber_name") />
                <TextField name="subscriber_date_of_birth" label="Subscriber's date of birth" input_type="date" error=field_error(last, "subscriber_date_of_birth") />
                <TextField name="effective_from" label="Effective from (optional)" input_type="date" error=field_error(last, "effective_from") />
                <TextField name="effective_to" label="Effective to (optional)" input_type="date" error=field_error(last, "effective_to") />
            </div>
            <label class="flex items-start gap-2 text-sm">
                <input type="checkbox" name="primary" value="yes" class="mt-1" />
                <span>"Primary policy (the first one always is)"</span>
            </label>
            <FormAlert message=form_error(last) />
            <SubmitButton pending=add.pending() label="Add policy" busy="Adding…" />
        </ActionForm>
    }
}
