//! The access review's alerts: what the trail says deserves a look, each
//! with its evidence and a way to mark it reviewed (which is recorded).

use crate::{
    api::{ReviewAlert, audit::get_audit_alerts},
    model::{
        audit::{Alert, AlertKind, AlertList},
        counted,
    },
    ui::components::{CsrfField, FormAlert, LoadFailed, SubmitButton, form_error},
};
use leptos::prelude::*;

#[component]
pub fn AlertsSection() -> impl IntoView {
    // Moves when any card's review succeeds, to read the list again.
    let reviewed = RwSignal::new(0_usize);
    let alerts = Resource::new(move || reviewed.get(), |_| get_audit_alerts());
    view! {
        <section aria-labelledby="alerts-heading" class="space-y-4">
            <h2 id="alerts-heading" class="text-lg font-semibold">"Alerts"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match alerts.await {
                        Ok(list) => view! { <AlertGroups list reviewed /> }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AlertGroups(list: AlertList, reviewed: RwSignal<usize>) -> impl IntoView {
    let rules = format!(
        "From the last {} days: {} failed sign-ins within 5 minutes from one address or for one account; \
         one person opening {} different patients' charts within an hour; any emergency access; \
         any refused attempt at a chart; any locked account; a failed check of the audit trail. \
         New alerts appear within seconds of their events.",
        list.days, list.failed_sign_ins, list.charts_per_hour
    );
    let (done, open): (Vec<Alert>, Vec<Alert>) =
        list.alerts.into_iter().partition(|a| a.review.is_some());
    let open_view = if open.is_empty() {
        view! {
            <p class="rounded-xl border border-dashed border-stone-300 p-6 text-center text-stone-600" data-testid="no-open-alerts">
                "No open alerts. Nothing in the trail needs a look."
            </p>
        }
        .into_any()
    } else {
        view! {
            <ol class="space-y-3" data-testid="open-alerts">
                {open.into_iter().map(|alert| view! { <li><AlertCard alert reviewed /></li> }).collect_view()}
            </ol>
        }
        .into_any()
    };
    let more = (list.more_open > 0).then(|| {
        view! {
            <p class="text-sm text-stone-700" data-testid="more-alerts">
                {format!(
                    "{} older open alerts are not listed here; review the newest first, or find their events in the access log below.",
                    list.more_open,
                )}
            </p>
        }
    });
    let done_count = done.len();
    let done_view = (!done.is_empty()).then(|| {
        view! {
            <details class="rounded-xl border border-stone-200 bg-white" data-testid="reviewed-alerts">
                <summary class="cursor-pointer px-4 py-3 text-sm font-medium">
                    {format!("Reviewed ({done_count})")}
                </summary>
                <ol class="space-y-3 p-4">
                    {done.into_iter().map(|alert| view! { <li><AlertCard alert reviewed /></li> }).collect_view()}
                </ol>
            </details>
        }
    });
    view! {
        <p class="text-sm text-stone-600">{rules}</p>
        {open_view}
        {more}
        {done_view}
    }
}

/// One alert: what happened, the evidence, and its review.
#[component]
fn AlertCard(alert: Alert, reviewed: RwSignal<usize>) -> impl IntoView {
    let review = ServerAction::<ReviewAlert>::new();
    Effect::new(move || {
        if matches!(review.value().get(), Some(Ok(()))) {
            reviewed.update(|n| *n += 1);
        }
    });
    let problem = form_error(review.value());
    let field = move |name: &'static str| {
        Signal::derive(move || {
            review
                .value()
                .with(|v| v.as_ref().and_then(|r| r.as_ref().err()?.field(name)))
        })
    };
    let (note_error, alert_error) = (field("note"), field("alert"));
    let evidence = format!(
        "/admin/audit{}#log-heading",
        alert.evidence.to_url_query(false)
    );
    let events = if alert.events == 1 {
        "Show this event in the access log".to_owned()
    } else {
        format!(
            "Show these {} in the access log",
            counted(alert.events, "event", "events")
        )
    };
    let when = if alert.first_at == alert.last_at {
        alert.first_at.clone()
    } else {
        format!("{} to {}", alert.first_at, alert.last_at)
    };
    let tone = if alert.review.is_some() {
        "border-stone-200 bg-white"
    } else {
        "border-rose-300 bg-rose-50"
    };
    let id = alert.key.replace([':', '.'], "-");
    let heading_id = format!("alert-{id}");
    let note_id = format!("note-{id}");
    let note_error_id = format!("note-{id}-error");
    let row = |term: &'static str, value: Option<String>| {
        value.map(|value| {
            view! {
                <div class="flex gap-2">
                    <dt class="w-24 shrink-0 text-stone-600">{term}</dt>
                    <dd class="break-all">{value}</dd>
                </div>
            }
        })
    };
    let person = |p: &Option<crate::model::audit::PersonRef>| {
        p.as_ref()
            .map(|p| format!("{} ({})", p.name, p.role.label()))
    };
    let review_state = match alert.review.clone() {
        Some(done) => view! {
            <p class="text-sm text-stone-700" data-testid="alert-review">
                {format!("Reviewed by {} at {}", done.by, done.at)}
                {done.note.map(|note| view! { <span class="block italic">{format!("“{note}”")}</span> })}
            </p>
        }
        .into_any(),
        None => view! {
            <ActionForm action=review attr:class="space-y-1" attr:novalidate=true>
                <CsrfField />
                <input type="hidden" name="alert" value=alert.key.clone() />
                <input type="hidden" name="through" value=alert.last_event_id.to_string() />
                <label for=note_id.clone() class="block text-sm font-medium text-stone-800">
                    "What you found (optional)"
                </label>
                <div class="flex flex-wrap items-start gap-3">
                    <textarea
                        id=note_id
                        name="note"
                        rows="1"
                        maxlength="500"
                        aria-invalid=move || note_error.get().is_some().to_string()
                        aria-describedby=note_error_id.clone()
                        class="block min-w-60 flex-1 rounded-md border border-stone-300 bg-white px-3 py-2 text-sm aria-[invalid=true]:border-red-700"
                    ></textarea>
                    <SubmitButton pending=review.pending() label="Mark reviewed" busy="Saving…" />
                </div>
                <p id=note_error_id class="min-h-5 text-sm text-red-800">{note_error}</p>
                <FormAlert message=Signal::derive(move || alert_error.get().or_else(|| problem.get())) />
            </ActionForm>
        }
        .into_any(),
    };
    view! {
        <article aria-labelledby=heading_id.clone() class=format!("space-y-3 rounded-xl border p-4 {tone}") data-testid="alert">
            <div class="flex flex-wrap items-baseline gap-x-3 gap-y-1">
                <span class="rounded-full bg-stone-800 px-2 py-0.5 text-xs font-medium text-white">{AlertKind::label(alert.kind)}</span>
                <h3 id=heading_id.clone() class="font-semibold">{alert.summary.clone()}</h3>
            </div>
            <dl class="space-y-1 text-sm">
                {row("When", Some(when))}
                {row("Who", person(&alert.actor))}
                {row("Concerning", person(&alert.concerning))}
                {row("IP address", alert.ip.clone())}
                {row("Reason given", alert.reason.clone())}
            </dl>
            <p class="text-sm">
                <a href=evidence class="text-teal-800 underline">{events}</a>
            </p>
            {review_state}
        </article>
    }
}
