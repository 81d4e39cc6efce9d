//! Where a person lands after signing in: what needs them. A therapist
//! sees their drafts to sign, plans due for review and recent charts; a
//! patient their next steps; an administrator where their work is.

mod next_steps;
mod therapist;

use crate::{
    model::Role,
    ui::{
        components::{SecurityNotices, UnavailableNotice},
        visitor,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

#[component]
pub fn HomePage() -> impl IntoView {
    let visitor = visitor();
    view! {
        <Title text="Home" />
        // Every state of the page has its heading, loading too.
        <Suspense fallback=|| view! { <h1 class="text-2xl font-semibold">"Home"</h1> <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match visitor.await.map(|v| v.user) {
                    Ok(Some(user)) => {
                        let work = match user.role {
                            Role::Therapist => view! { <therapist::Desk /> }.into_any(),
                            Role::Patient => view! { <next_steps::NextSteps /> }.into_any(),
                            Role::Admin => view! { <AdminLinks /> }.into_any(),
                        };
                        view! {
                            <SecurityNotices />
                            <section class="mt-6 space-y-2">
                                <h1 class="text-2xl font-semibold">{format!("Welcome, {}", user.display_name)}</h1>
                                <p class="text-stone-700" data-testid="signed-in-role">
                                    {format!("Signed in as {}.", user.role.label())}
                                </p>
                            </section>
                            <div class="mt-6">{work}</div>
                        }
                            .into_any()
                    }
                    Ok(None) => view! { <Redirect path="/sign-in?reason=required" /> }.into_any(),
                    Err(error) => view! { <UnavailableNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// An administrator's work: the review first.
#[component]
fn AdminLinks() -> impl IntoView {
    let links = [
        (
            "/admin/audit",
            "Access review",
            "Open alerts, the access log and the audit chain.",
        ),
        (
            "/people",
            "People",
            "Invite staff and patients; unlock or deactivate accounts.",
        ),
        (
            "/admin/patients",
            "Patients",
            "Care teams: who may open each chart.",
        ),
        (
            "/admin/practice",
            "Practice",
            "The practice's time zone, questionnaires and how long records are kept.",
        ),
        (
            "/admin/consents",
            "Consent forms",
            "The forms patients sign: consent to treatment, telehealth, releases of information.",
        ),
        (
            "/admin/retention",
            "Retention",
            "Records whose retention has ended, legal holds, and erasure.",
        ),
    ];
    let due = Resource::new(|| (), |_| crate::api::retention::get_retention_due());
    let expiring = Resource::new(|| (), |_| crate::api::consents::get_consents_expiring());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match expiring.await {
                    Ok(0) | Err(_) => ().into_any(),
                    Ok(n) => view! {
                        <p class="mb-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950" data-testid="consents-expiring">
                            {format!("{n} {} in the next 30 days: each patient's Consents page shows which, and a patient renews one by signing it again in the portal.", if n == 1 { "consent ends" } else { "consents end" })}
                        </p>
                    }.into_any(),
                }
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match due.await {
                    Ok(0) | Err(_) => ().into_any(),
                    Ok(n) => view! {
                        <p class="mb-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950" data-testid="retention-due">
                            {format!("{n} {} passed the practice's retention period since the last activity. ", if n == 1 { "record has" } else { "records have" })}
                            <a href="/admin/retention" class="underline">"Review what may be erased"</a>
                        </p>
                    }.into_any(),
                }
            })}
        </Transition>
        <ul class="grid gap-3 sm:grid-cols-2" data-testid="admin-links">
            {links.into_iter().map(|(href, label, what)| view! {
                <li class="rounded-xl border border-stone-200 bg-white p-4">
                    <a href=href class="font-medium text-teal-800 underline">{label}</a>
                    <p class="text-sm text-stone-700">{what}</p>
                </li>
            }).collect_view()}
        </ul>
    }
}
