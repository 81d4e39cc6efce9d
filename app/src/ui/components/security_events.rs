//! Security events as people see them: the notice after signing in, and
//! the list on the Security page.

use crate::{
    api::{
        DismissSecurityNotices,
        security::{get_security_notices, list_security_events},
    },
    model::{SecurityEvent, ago},
    ui::components::CsrfField,
};
use leptos::prelude::*;

fn where_and_when(event: &SecurityEvent) -> String {
    let device = event
        .device
        .clone()
        .unwrap_or_else(|| "Unknown device".to_owned());
    let ip = event
        .ip
        .clone()
        .unwrap_or_else(|| "address unknown".to_owned());
    format!("{device} · {ip} · {}", ago(event.secs_ago))
}

/// The undismissed notices, with "Got it". Renders nothing when there are
/// none.
#[component]
pub fn SecurityNotices() -> impl IntoView {
    let dismiss = ServerAction::<DismissSecurityNotices>::new();
    let notices = Resource::new(move || dismiss.version().get(), |_| get_security_notices());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let list = notices.await.unwrap_or_default();
                (!list.is_empty()).then(|| view! {
                    <section role="status" aria-labelledby="notices-heading" class="rounded-xl border border-amber-300 bg-amber-50 p-4 text-amber-950" data-testid="security-notices">
                        <h2 id="notices-heading" class="font-semibold">"Security notices for your account"</h2>
                        <ul class="mt-2 list-disc space-y-1 pl-5 text-sm">
                            {list.iter().map(|event| view! {
                                <li>
                                    <span class="font-medium">{event.kind.describe()}</span>
                                    <span>{format!(" — {}", where_and_when(event))}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                        <p class="mt-2 text-sm">
                            "If this was not you, "
                            <a href="/security" class="underline">"change your password and sign out everywhere"</a>
                            "."
                        </p>
                        <ActionForm action=dismiss attr:class="mt-3">
                            <CsrfField />
                            <button type="submit" class="rounded-md border border-amber-400 bg-white px-3 py-1 text-sm font-medium hover:bg-amber-100">"Got it"</button>
                        </ActionForm>
                    </section>
                })
            })}
        </Transition>
    }
}

/// Recent security activity, for the Security page.
#[component]
pub fn SecurityActivity() -> impl IntoView {
    let events = Resource::new(|| (), |_| list_security_events());
    view! {
        <section aria-labelledby="activity-heading" class="space-y-3">
            <h2 id="activity-heading" class="text-lg font-semibold">"Recent security activity"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match events.await {
                        Ok(list) if list.is_empty() => view! { <p class="text-stone-600">"Nothing yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white text-sm">
                                {list.iter().map(|event| view! {
                                    <li class="px-4 py-2">
                                        <span class="font-medium">{event.kind.describe()}</span>
                                        <span class="text-stone-600">{format!(" · {}", where_and_when(event))}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <p class="text-stone-600">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
