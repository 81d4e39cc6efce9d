//! The practice's settings (administrators): for now its time zone, which
//! every page writes times in and groups days by. A change is recorded.

use crate::{
    api::{SetPracticeTimeZone, practice::get_practice_settings},
    model::PracticeSettings,
    ui::components::{
        CsrfField, FormAlert, LoadFailed, SelectField, SubmitButton, field_error, form_error,
        successes,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn PracticePage() -> impl IntoView {
    // The action lives here, so its "Saved." outlasts the re-read its
    // success causes.
    let save = ServerAction::<SetPracticeTimeZone>::new();
    let saved = successes(save.value(), save.version());
    let settings = Resource::new(move || saved.get(), |_| get_practice_settings());
    view! {
        <Title text="Practice" />
        <div class="max-w-3xl space-y-6">
            <h1 class="text-2xl font-semibold">"Practice"</h1>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(settings) => view! { <TimeZoneForm settings save /> }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn TimeZoneForm(
    settings: PracticeSettings,
    save: ServerAction<SetPracticeTimeZone>,
) -> impl IntoView {
    let last = save.value();
    let saved = move || matches!(last.get(), Some(Ok(())));
    let current = settings.time_zone.clone();
    view! {
        <section aria-labelledby="zone-heading" class="space-y-3 rounded-xl border border-stone-200 bg-white p-4">
            <h2 id="zone-heading" class="text-lg font-semibold">{format!("Time zone of {}", settings.name)}</h2>
            <p class="text-sm text-stone-700">
                "Every page shows times in this zone, and the access history and access review count days by it. The trail itself keeps exact moments, so changing the zone changes only how they read."
            </p>
            <p class="text-sm text-stone-700" data-testid="practice-now">{format!("It is now {} there.", settings.now)}</p>
            <ActionForm action=save attr:class="space-y-3" attr:novalidate=true>
                <CsrfField />
                <SelectField name="time_zone" label="Time zone" error=field_error(last, "time_zone")>
                    {settings.choices.into_iter().map(|name| {
                        let selected = name == current;
                        view! { <option value=name.clone() selected=selected>{name.replace('_', " ")}</option> }
                    }).collect_view()}
                </SelectField>
                <FormAlert message=form_error(last) />
                <div class="flex items-center gap-4">
                    <SubmitButton pending=save.pending() label="Save time zone" busy="Saving…" />
                    <p role="status" class="text-sm text-teal-800">{move || saved().then_some("Saved.")}</p>
                </div>
            </ActionForm>
        </section>
    }
}
