//! The portal's "Erasing my record" section (on *My information*): a
//! patient asks for their record to be erased and is told at once when
//! that becomes possible. The law keeps a record for the practice's
//! period after its last activity; the practice's administrators see the
//! request on their retention page and erase the record once it is due.

use crate::{
    api::{AskErasure, retention::get_my_erasure},
    model::{day::readable, retention::ErasureAnswer},
    ui::components::{CsrfField, FormAlert, LoadFailed, form_error, refresh_on_success, style},
};
use leptos::prelude::*;

/// What an answer says, in plain words.
pub fn said(answer: &ErasureAnswer) -> String {
    if answer.held {
        "Your record is kept under a legal hold; it cannot be erased while the hold lasts. The practice has your request.".to_owned()
    } else if answer.possible_now {
        "The time the law requires the practice to keep your record has passed: the practice's administrators have your request and will erase it.".to_owned()
    } else {
        format!(
            "The law requires the practice to keep your record until {}. It can be erased from that day; the practice has your request.",
            readable(&answer.possible_on)
        )
    }
}

#[component]
pub fn ErasureSection() -> impl IntoView {
    let ask = ServerAction::<AskErasure>::new();
    let refresh = RwSignal::new(0u32);
    refresh_on_success(ask.value(), refresh);
    let asked = Resource::new(move || refresh.get(), |_| get_my_erasure());
    let confirming = RwSignal::new(false);
    view! {
        <section class="space-y-3 rounded-xl border border-stone-200 bg-white p-4" aria-labelledby="erasure-heading" data-testid="erasure">
            <h2 id="erasure-heading" class="text-lg font-semibold">"Erasing my record"</h2>
            <p class="text-sm text-stone-700">
                "You can ask the practice to erase your record. Health records must be kept for a number of years after your last visit, so you will be told the day it becomes possible."
            </p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match asked.await {
                        Ok(Some(answers)) => view! {
                            <ul class="space-y-2" data-testid="erasure-answers">
                                {answers.iter().map(|answer| view! {
                                    <li class="rounded-md border border-stone-200 bg-stone-50 p-3 text-sm">
                                        <p class="font-medium">{format!("You asked on {}.", readable(&answer.requested_on))}</p>
                                        <p>{said(answer)}</p>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
            {move || if confirming.get() {
                view! {
                    <ActionForm action=ask attr:class="space-y-2">
                        <CsrfField />
                        <p class="text-sm text-stone-700">"Ask for your whole record, and your portal account, to be erased once the law allows?"</p>
                        <div class="flex gap-3">
                            <button type="submit" class=style::PRIMARY_BUTTON>"Yes, ask to erase my record"</button>
                            <button type="button" class=style::SECONDARY_BUTTON on:click=move |_| confirming.set(false)>"Cancel"</button>
                        </div>
                        <FormAlert message=form_error(ask.value()) />
                    </ActionForm>
                }.into_any()
            } else {
                view! {
                    <button type="button" class=style::SECONDARY_BUTTON on:click=move |_| confirming.set(true)>"Ask to erase my record…"</button>
                }.into_any()
            }}
        </section>
    }
}
