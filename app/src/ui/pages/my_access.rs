//! "Who accessed my record": what staff did with the person's record or
//! account. First by day and person in plain words ("Dr. Rowan Ellis
//! viewed your record 22 times"), each emergency access set apart with the
//! reason given; then, for anyone who wants it, every event. The
//! accounting a patient is owed; nothing internal (no addresses, devices
//! or sessions), and never anyone else's entries.

use crate::{
    api::audit::{get_my_access_history, get_my_record_access},
    model::{
        Role,
        audit::{AccessDay, AccessHistory, EVENTS_PAGE, PersonDay, RecordAccess},
    },
    ui::components::{LoadFailed, Pager},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// A view's link: the one on screen reads as where you are.
const VIEW_LINK: &str =
    "text-teal-800 underline aria-[current=page]:font-semibold aria-[current=page]:no-underline";

#[component]
pub fn MyAccessPage() -> impl IntoView {
    let params = use_query_map();
    let every = Memo::new(move |_| params.with(|p| p.get("view").as_deref() == Some("every")));
    let before = Memo::new(move |_| params.with(|p| p.get("before")).unwrap_or_default());
    view! {
        <Title text="Who accessed my record" />
        <div class="max-w-3xl space-y-6">
            <h1 class="text-2xl font-semibold">"Who accessed my record"</h1>
            <p class="text-stone-700">
                "Every time someone at the practice opens your record or changes your account, Cairn keeps a note of it that cannot be changed afterwards. Here is what they did, newest first."
            </p>
            <p class="text-sm">
                "Who the practice shared your record with outside it is in "
                <a href="/me/disclosures" class="text-teal-800 underline">"Who my record was shared with"</a>
                "."
            </p>
            <nav aria-label="Views" class="flex gap-4 text-sm">
                {move || {
                    let every = every.get();
                    view! {
                        <a href="/me/access" class=VIEW_LINK aria-current=(!every).then_some("page")>"By day"</a>
                        <a href="/me/access?view=every" class=VIEW_LINK aria-current=every.then_some("page")>"Every event"</a>
                    }
                }}
            </nav>
            {move || {
                if every.get() {
                    view! { <EveryEvent before=before.get() /> }.into_any()
                } else {
                    view! { <ByDay before=before.get() /> }.into_any()
                }
            }}
        </div>
    }
}

#[component]
fn ByDay(before: String) -> impl IntoView {
    let first_page = before.trim().is_empty();
    let history = Resource::new(move || before.clone(), get_my_access_history);
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match history.await {
                    Ok(history) if history.days.is_empty() => view! { <NoAccesses /> }.into_any(),
                    Ok(history) => view! { <Days history first_page /> }.into_any(),
                    Err(error) => view! { <LoadFailed error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn NoAccesses() -> impl IntoView {
    view! {
        <p class="rounded-xl border border-dashed border-stone-300 p-6 text-center text-stone-600" data-testid="no-accesses">
            "No one at the practice has accessed your record yet."
        </p>
    }
}

#[component]
fn Days(history: AccessHistory, first_page: bool) -> impl IntoView {
    let earlier = history
        .earlier
        .map(|day| format!("/me/access?before={day}"));
    view! {
        <p class="text-sm text-stone-600">{format!("Times are in {}.", history.time_zone)}</p>
        <ol class="space-y-6" data-testid="access-days">
            {history.days.into_iter().map(|day| view! { <Day day /> }).collect_view()}
        </ol>
        <Pager what="days" newest=(!first_page).then(|| "/me/access".to_owned()) older=earlier />
    }
}

#[component]
fn Day(day: AccessDay) -> impl IntoView {
    view! {
        <li class="space-y-2">
            <h2 class="text-lg font-semibold">{day.day}</h2>
            <ul class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white">
                {day.people.into_iter().map(|person| view! { <Person person /> }).collect_view()}
            </ul>
        </li>
    }
}

#[component]
fn Person(person: PersonDay) -> impl IntoView {
    let sentence = person.sentence();
    let under_emergency = person.in_emergency && person.emergencies.is_empty();
    view! {
        <li class="space-y-2 px-4 py-3" data-testid="access-person">
            <p>
                <strong class="font-semibold">{person.who}</strong>
                // A patient here is the person themself ("You made a copy
                // of your record"): no role after their own "You".
                {if person.role == Role::Patient {
                    format!(" {sentence}.")
                } else {
                    format!(" ({}) {sentence}.", person.role.label().to_lowercase())
                }}
                {under_emergency.then(|| view! {
                    " "
                    <span class="rounded bg-amber-100 px-1.5 py-0.5 text-sm font-medium text-amber-900">"Under emergency access"</span>
                })}
            </p>
            {person
                .emergencies
                .into_iter()
                .map(|emergency| view! {
                    <div class="rounded-lg border-l-4 border-amber-500 bg-amber-50 px-3 py-2 text-sm text-amber-950" data-testid="emergency-access">
                        <p class="font-semibold">
                            {format!("Emergency access from {} until {}", emergency.at, emergency.until)}
                        </p>
                        <p>"They were not on your care team, so they had to give a reason, which the practice reviews:"</p>
                        <blockquote class="mt-1 italic">{format!("“{}”", emergency.reason)}</blockquote>
                    </div>
                })
                .collect_view()}
        </li>
    }
}

#[component]
fn EveryEvent(before: String) -> impl IntoView {
    let before = before.trim().parse::<i64>().ok();
    let accesses = Resource::new(move || before, get_my_record_access);
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match accesses.await {
                    Ok(list) if list.is_empty() && before.is_none() => view! { <NoAccesses /> }.into_any(),
                    Ok(list) => view! { <AccessList list first_page=before.is_none() /> }.into_any(),
                    Err(error) => view! { <LoadFailed error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AccessList(list: Vec<RecordAccess>, first_page: bool) -> impl IntoView {
    // A full page may have more behind it; the last id is where it goes on.
    let older = (list.len() >= EVENTS_PAGE)
        .then(|| {
            list.last()
                .map(|last| format!("/me/access?view=every&before={}", last.id))
        })
        .flatten();
    view! {
        <table class="w-full overflow-hidden rounded-xl border border-stone-200 bg-white text-left text-sm" data-testid="accesses">
            <thead class="bg-stone-100 text-stone-700">
                <tr>
                    <th scope="col" class="px-4 py-2">"When"</th>
                    <th scope="col" class="px-4 py-2">"Who"</th>
                    <th scope="col" class="px-4 py-2">"What"</th>
                </tr>
            </thead>
            <tbody class="divide-y divide-stone-200">
                {list
                    .into_iter()
                    .map(|access| view! {
                        <tr>
                            <td class="px-4 py-2 font-mono">{access.at}</td>
                            <td class="px-4 py-2">{format!("{} ({})", access.who, access.role.label())}</td>
                            <td class="px-4 py-2">{access.what}</td>
                        </tr>
                    })
                    .collect_view()}
            </tbody>
        </table>
        <Pager what="events" newest=(!first_page).then(|| "/me/access?view=every".to_owned()) older />
    }
}
