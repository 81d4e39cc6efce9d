//! A therapist's desk: drafts to sign, plans due for review, recent charts.

use crate::{
    api::home::get_therapist_home,
    model::{
        day::readable,
        home::{PLANS_DUE_WITHIN_DAYS, PatientLink, TherapistHome},
    },
    ui::components::LoadFailed,
};
use leptos::prelude::*;

#[component]
pub fn Desk() -> impl IntoView {
    let home = Resource::new(|| (), |_| get_therapist_home());
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match home.await {
                    Ok(home) => view! { <Lists home /> }.into_any(),
                    Err(error) => view! { <LoadFailed error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn name(patient: &PatientLink) -> String {
    patient
        .name
        .clone()
        .unwrap_or_else(|| "Record unreadable".to_owned())
}

#[component]
fn Lists(home: TherapistHome) -> impl IntoView {
    let drafts = home.drafts.into_iter().map(|draft| {
        let label = format!("{}, session {}", name(&draft.patient), readable(&draft.session_date));
        view! { <li><a href=format!("/notes/{}", draft.note_id) class="text-teal-800 underline">{label}</a></li> }
    }).collect_view();
    let plans = home.plans_due.into_iter().map(|plan| {
        let when = if plan.overdue {
            format!("review was due {}", readable(&plan.review_date))
        } else {
            format!("review due {}", readable(&plan.review_date))
        };
        view! {
            <li>
                <a href=format!("/patients/{}?tab=plan", plan.patient.patient_id) class="text-teal-800 underline">{name(&plan.patient)}</a>
                <span class=if plan.overdue { "text-red-800" } else { "text-stone-700" }>{format!(": {when}")}</span>
            </li>
        }
    }).collect_view();
    let to_review = home.to_review.into_iter().map(|patient| view! {
        <li><a href=format!("/patients/{}?tab=measures", patient.patient_id) class="font-medium text-rose-900 underline">{name(&patient)}</a></li>
    }).collect_view();
    let reviews = to_review.len();
    let amendments = home.amendments.into_iter().map(|due| view! {
        <li>
            <a href=format!("/patients/{}/amendments", due.patient.patient_id) class="font-medium text-amber-950 underline">{name(&due.patient)}</a>
            <span class=if due.waiting.overdue { "text-red-800" } else { "text-stone-800" }>{format!(": {}", crate::ui::pages::chart::amendments_line(&due.waiting))}</span>
        </li>
    }).collect_view();
    let asked = amendments.len();
    let recent = home.recent.into_iter().map(|patient| view! {
        <li><a href=format!("/patients/{}", patient.patient_id) class="text-teal-800 underline">{name(&patient)}</a></li>
    }).collect_view();
    view! {
        {(reviews > 0).then(|| view! {
            <section aria-labelledby="to-review-heading" class="mb-4 space-y-2 rounded-xl border-2 border-rose-700 bg-rose-50 p-4" data-testid="to-review">
                <h2 id="to-review-heading" class="font-semibold text-rose-950">"Questionnaires to review"</h2>
                <p class="text-sm text-stone-800">"A safety question was answered above \"Not at all\". Open the chart to review and acknowledge it."</p>
                <ul class="space-y-1 text-sm">{to_review}</ul>
            </section>
        })}
        {(asked > 0).then(|| view! {
            <section aria-labelledby="amendments-heading" class="mb-4 space-y-2 rounded-xl border border-amber-400 bg-amber-50 p-4" data-testid="amendments-due">
                <h2 id="amendments-heading" class="font-semibold text-amber-950">"Amendment requests to decide"</h2>
                <ul class="space-y-1 text-sm">{amendments}</ul>
            </section>
        })}
        <div class="grid gap-4 md:grid-cols-3">
            <Panel id="drafts" heading="Drafts to sign" empty="No drafts waiting: every note you started is signed." count=drafts.len()>
                {drafts}
            </Panel>
            <Panel id="plans-due" heading="Plans due for review" empty=format!("No plan's review is due in the next {PLANS_DUE_WITHIN_DAYS} days.") count=plans.len()>
                {plans}
            </Panel>
            <Panel id="recent" heading="Recent charts" empty="Charts you open will be listed here." count=recent.len()>
                {recent}
            </Panel>
        </div>
        <p class="mt-4"><a href="/caseload" class="text-teal-800 underline">"All your patients"</a></p>
    }
}

#[component]
fn Panel(
    id: &'static str,
    heading: &'static str,
    #[prop(into)] empty: String,
    count: usize,
    children: Children,
) -> impl IntoView {
    let heading_id = format!("{id}-heading");
    let labelled_by = heading_id.clone();
    view! {
        <section aria-labelledby=labelled_by class="space-y-2 rounded-xl border border-stone-200 bg-white p-4" data-testid=id>
            <h2 id=heading_id class="font-semibold">{heading}</h2>
            {if count == 0 {
                view! { <p class="text-sm text-stone-600">{empty}</p> }.into_any()
            } else {
                view! { <ul class="space-y-1 text-sm">{children()}</ul> }.into_any()
            }}
        </section>
    }
}
