//! "My information": the signed-in patient's own details, as the practice
//! holds them. Opening them is recorded like any access to the record.

use crate::{
    api::patient::get_my_information, model::patient::MyInformation, ui::components::LoadFailed,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MyInformationPage() -> impl IntoView {
    let information = Resource::new(|| (), |_| get_my_information());
    view! {
        <Title text="My information" />
        <div class="max-w-3xl space-y-6">
            <h1 class="text-2xl font-semibold">"My information"</h1>
            <p class="text-stone-700">
                "The details your practice keeps about you. They are stored encrypted, and each time someone at the practice opens them it is listed in "
                <a href="/me/access" class="text-teal-800 underline">"Who accessed my record"</a>
                "."
            </p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match information.await {
                        Ok(Some(information)) => view! { <Details information /> }.into_any(),
                        Ok(None) => view! {
                            <p class="rounded-xl border border-dashed border-stone-300 p-6 text-center text-stone-600" data-testid="no-record">
                                "Your practice has not added your details yet."
                            </p>
                        }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Details(information: MyInformation) -> impl IntoView {
    let not_given = || "Not given".to_owned();
    let rows = [
        ("Legal name", information.legal_name.clone()),
        ("Date of birth", information.date_of_birth.clone()),
        ("Email", information.email.clone().unwrap_or_else(not_given)),
        ("Phone", information.phone.clone().unwrap_or_else(not_given)),
    ];
    view! {
        <dl class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white" data-testid="my-information">
            {rows
                .into_iter()
                .map(|(term, value)| view! {
                    <div class="flex flex-wrap gap-x-6 gap-y-1 px-4 py-3">
                        <dt class="w-36 shrink-0 text-sm text-stone-600">{term}</dt>
                        <dd>{value}</dd>
                    </div>
                })
                .collect_view()}
        </dl>
    }
}
