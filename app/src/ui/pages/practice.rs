//! The practice's settings (administrators): its time zone, which every
//! page writes times in and groups days by, and how questionnaires run
//! (the crisis resources a patient sees at once after a positive safety
//! question, and whether patients see their scores), and how long records
//! are kept. Each change is recorded.

use crate::{
    api::{
        SetPracticeQuestionnaires, SetPracticeRetention, SetPracticeTimeZone,
        practice::get_practice_settings,
    },
    model::PracticeSettings,
    ui::components::{
        CsrfField, FormAlert, LoadFailed, SelectField, SubmitButton, TextAreaField, TextField,
        field_error, form_error, successes,
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
    let questionnaires = ServerAction::<SetPracticeQuestionnaires>::new();
    let retention = ServerAction::<SetPracticeRetention>::new();
    let settings = Resource::new(move || saved.get(), |_| get_practice_settings());
    view! {
        <Title text="Practice" />
        <div class="max-w-3xl space-y-6">
            <h1 class="text-2xl font-semibold">"Practice"</h1>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(settings) => view! {
                            <TimeZoneForm settings=settings.clone() save />
                            <QuestionnairesForm settings=settings.clone() save=questionnaires />
                            <RetentionForm settings save=retention />
                        }.into_any(),
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

#[component]
fn QuestionnairesForm(
    settings: PracticeSettings,
    save: ServerAction<SetPracticeQuestionnaires>,
) -> impl IntoView {
    let last = save.value();
    let saved = move || matches!(last.get(), Some(Ok(())));
    view! {
        <section aria-labelledby="questionnaires-heading" class="space-y-3 rounded-xl border border-stone-200 bg-white p-4">
            <h2 id="questionnaires-heading" class="text-lg font-semibold">"Questionnaires"</h2>
            <ActionForm action=save attr:class="space-y-3" attr:novalidate=true attr:data-testid="questionnaire-settings">
                <CsrfField />
                <TextAreaField
                    name="crisis_resources"
                    label="Crisis resources"
                    hint="Shown to a patient at once when they answer the PHQ-9's question about self-harm above \"Not at all\": the practice's emergency number and the crisis lines where your patients live. One line each."
                    error=field_error(last, "crisis_resources")
                    value=settings.crisis_resources
                    rows=5
                />
                <div class="flex items-center gap-2">
                    <input id="patients_see_scores" name="patients_see_scores" type="checkbox" checked=settings.patients_see_scores class="h-4 w-4 accent-teal-700" />
                    <label for="patients_see_scores" class="text-sm text-stone-800">"Patients see their own scores in the portal"</label>
                </div>
                <FormAlert message=form_error(last) />
                <div class="flex items-center gap-4">
                    <SubmitButton pending=save.pending() label="Save questionnaire settings" busy="Saving…" />
                    <p role="status" class="text-sm text-teal-800">{move || saved().then_some("Saved.")}</p>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn RetentionForm(
    settings: PracticeSettings,
    save: ServerAction<SetPracticeRetention>,
) -> impl IntoView {
    let last = save.value();
    let saved = move || matches!(last.get(), Some(Ok(())));
    view! {
        <section aria-labelledby="retention-heading" class="space-y-3 rounded-xl border border-stone-200 bg-white p-4">
            <h2 id="retention-heading" class="text-lg font-semibold">"Keeping records"</h2>
            <p class="text-sm text-stone-700">
                "How long the practice keeps a record after the last activity in it. A minor's record is kept at least until they reach the age of majority, and the period counts from then. Your state's law may ask more than the seven years most practices keep. Cairn removes nothing by itself."
            </p>
            <ActionForm action=save attr:class="space-y-3" attr:novalidate=true attr:data-testid="retention-settings">
                <CsrfField />
                <TextField
                    name="retention_years"
                    label="Years kept after the last activity"
                    input_type="number"
                    inputmode="numeric"
                    error=field_error(last, "retention_years")
                    value=settings.retention_years.to_string()
                />
                <TextField
                    name="age_of_majority"
                    label="Age of majority"
                    input_type="number"
                    inputmode="numeric"
                    error=field_error(last, "age_of_majority")
                    value=settings.age_of_majority.to_string()
                />
                <FormAlert message=form_error(last) />
                <div class="flex items-center gap-4">
                    <SubmitButton pending=save.pending() label="Save how long records are kept" busy="Saving…" />
                    <p role="status" class="text-sm text-teal-800">{move || saved().then_some("Saved.")}</p>
                </div>
            </ActionForm>
        </section>
    }
}
