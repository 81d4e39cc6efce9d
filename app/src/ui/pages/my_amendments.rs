//! A patient asks for a correction of their record (`/me/amendments`):
//! they choose the part (their details, a diagnosis, their treatment plan,
//! a note of a session) and say in their words what is wrong. They see
//! each request, when it is due, what was decided and why; after a denial
//! they may file a statement of disagreement, which then goes with every
//! copy of their record.

use crate::{
    api::{DisagreeAmendment, RequestAmendment, amendments::get_my_amendments},
    model::amendment::{AmendmentStatus, MyAmendments},
    ui::{
        components::{
            CsrfField, FormAlert, LoadFailed, SelectField, SubmitButton, TextAreaField,
            clear_on_success, field_error, form_error, refresh_on_success,
        },
        pages::amendments::AmendmentSummary,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

#[component]
pub fn MyAmendmentsPage() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let mine = Resource::new(move || refresh.get(), |_| get_my_amendments());
    // Sending outlives the list it rebuilds, so the rebuilt form can say
    // it was sent.
    let ask = ServerAction::<RequestAmendment>::new();
    refresh_on_success(ask.value(), refresh);
    view! {
        <Title text="Corrections to my record" />
        <div class="max-w-3xl space-y-6">
            <h1 class="text-2xl font-semibold">"Corrections to my record"</h1>
            <p class="text-stone-700">
                "If something in your record is wrong or missing, ask your care team to correct it. They answer within 60 days (they may take 30 more once, and tell you why). If they decline, they say why, and you may send a statement saying you disagree: it then goes with every copy of your record."
            </p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match mine.await {
                        Ok(Some(mine)) => view! { <Mine mine ask refresh /> }.into_any(),
                        Ok(None) => view! { <p class="text-stone-600">"Your practice has not set up your record yet."</p> }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Mine(
    mine: MyAmendments,
    ask: ServerAction<RequestAmendment>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let last = ask.value();
    let form = clear_on_success(last);
    let asked = move || matches!(last.get(), Some(Ok(())));
    // A link from a copy of the record may name the part already.
    let chosen = use_query_map()
        .with_untracked(|q| q.get("item"))
        .unwrap_or_default();
    let options = mine
        .items
        .into_iter()
        .map(|item| {
            let selected = item.key == chosen;
            view! { <option value=item.key selected=selected>{item.label}</option> }
        })
        .collect_view();
    let requests = mine.requests;
    view! {
        <section aria-labelledby="ask-heading" class="space-y-3 rounded-xl border border-stone-200 bg-white p-4">
            <h2 id="ask-heading" class="font-semibold">"Ask for a correction"</h2>
            <ActionForm action=ask node_ref=form attr:class="space-y-3" attr:novalidate=true attr:data-testid="request-amendment">
                <CsrfField />
                <SelectField name="item" label="Which part of your record" error=field_error(last, "item")>
                    <option value="">"Choose…"</option>
                    {options}
                </SelectField>
                <TextAreaField name="request" label="What is wrong, and what it should say" hint="In your own words. Your care team reads exactly this." rows=5 error=field_error(last, "request") />
                <FormAlert message=form_error(last) />
                <p role="status" class="text-sm text-teal-900">{move || asked().then_some("Sent. Your care team has 60 days to answer; you will see their answer here.")}</p>
                <SubmitButton pending=ask.pending() label="Send the request" busy="Sending…" />
            </ActionForm>
        </section>
        <section aria-labelledby="asked-heading" class="space-y-3">
            <h2 id="asked-heading" class="text-lg font-semibold">"What you asked"</h2>
            {if requests.is_empty() {
                view! { <p class="text-stone-600" data-testid="no-amendments">"You have not asked for a correction."</p> }.into_any()
            } else {
                view! {
                    <ul class="space-y-4" data-testid="my-amendments">
                        {requests.into_iter().map(|amendment| {
                            let may_disagree = amendment.status == AmendmentStatus::Denied && amendment.disagreement.is_none();
                            let id = amendment.id;
                            view! {
                                <li class="space-y-3 rounded-xl border border-stone-200 bg-white p-4" data-testid="amendment">
                                    <AmendmentSummary amendment />
                                    {may_disagree.then(|| view! { <DisagreeForm amendment_id=id refresh /> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn DisagreeForm(amendment_id: Uuid, refresh: RwSignal<u32>) -> impl IntoView {
    let disagree = ServerAction::<DisagreeAmendment>::new();
    refresh_on_success(disagree.value(), refresh);
    let last = disagree.value();
    let statement_id = format!("statement-{amendment_id}");
    view! {
        <details class="border-t border-stone-200 pt-3">
            <summary class="cursor-pointer text-sm font-medium text-teal-800">"I disagree: send a statement of disagreement…"</summary>
            <ActionForm action=disagree attr:class="mt-2 space-y-3" attr:novalidate=true attr:data-testid="disagree-amendment">
                <CsrfField />
                <input type="hidden" name="amendment_id" value=amendment_id.to_string() />
                <TextAreaField name="statement" id=statement_id label="Why you disagree" hint="It is added to your record beside the part you asked about, and goes with every copy of it." rows=4 error=field_error(last, "statement") />
                <FormAlert message=form_error(last) />
                <SubmitButton pending=disagree.pending() label="Send my statement" busy="Sending…" />
            </ActionForm>
        </details>
    }
}
