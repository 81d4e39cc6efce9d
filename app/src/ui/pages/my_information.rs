//! "My information": the signed-in patient's own details, as the practice
//! holds them. Opening them is recorded like any access to the record.

use crate::{
    api::{UpdateMyContact, UpdateMyDetails, patient::get_my_information},
    model::patient::MyInformation,
    ui::components::{
        CsrfField, DetailsFields, DetailsList, FormAlert, LoadFailed, SubmitButton, Terms,
        TextField, field_error, form_error, successes,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MyInformationPage() -> impl IntoView {
    // The contact form's action lives here, so its "Saved." outlasts the
    // re-read its success causes.
    let save = ServerAction::<UpdateMyContact>::new();
    let saved = successes(save.value(), save.version());
    let save_details = ServerAction::<UpdateMyDetails>::new();
    let details_saved = successes(save_details.value(), save_details.version());
    let information = Resource::new(
        move || (saved.get(), details_saved.get()),
        |_| get_my_information(),
    );
    view! {
        <Title text="My information" />
        <div class="max-w-3xl space-y-6">
            <h1 class="text-2xl font-semibold">"My information"</h1>
            <p class="text-stone-700">
                "The details your practice keeps about you. They are stored encrypted, and each time someone at the practice opens them it is listed in "
                <a href="/me/access" class="text-teal-800 underline">"Who accessed my record"</a>
                ". You can also "
                <a href="/me/record" class="text-teal-800 underline">"get a copy of your whole record"</a>
                "."
            </p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match information.await {
                        Ok(Some(information)) => view! {
                            <Details information=information.clone() />
                            <DetailsList details=information.details.clone() />
                            <ContactForm information=information.clone() save />
                            <MyDetailsForm information save=save_details />
                            <super::my_erasure::ErasureSection />
                        }.into_any(),
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
    let rows = vec![
        ("Legal name", information.legal_name.clone()),
        (
            "Date of birth",
            crate::model::day::readable(&information.date_of_birth),
        ),
        ("Email", information.email.clone().unwrap_or_else(not_given)),
        ("Phone", information.phone.clone().unwrap_or_else(not_given)),
    ];
    view! {
        <Terms rows testid="my-information" />
    }
}

/// The patient's own email and phone: the details they may change
/// themselves. Name and date of birth are the practice's to correct.
#[component]
fn ContactForm(information: MyInformation, save: ServerAction<UpdateMyContact>) -> impl IntoView {
    let last = save.value();
    let saved = move || matches!(last.get(), Some(Ok(())));
    view! {
        <section aria-labelledby="contact-heading" class="space-y-3 rounded-xl border border-stone-200 bg-white p-4">
            <h2 id="contact-heading" class="text-lg font-semibold">"Change how we reach you"</h2>
            <p class="text-sm text-stone-600">"Leave a field empty to remove it. To correct your name or date of birth, ask your practice."</p>
            <ActionForm action=save attr:class="space-y-3" attr:novalidate=true attr:data-testid="contact-form">
                <CsrfField />
                <TextField name="email" label="Email" input_type="email" autocomplete="email" error=field_error(last, "email") value=information.email.unwrap_or_default() />
                <TextField name="phone" label="Phone" input_type="tel" autocomplete="tel" error=field_error(last, "phone") value=information.phone.unwrap_or_default() />
                <FormAlert message=form_error(last) />
                <div class="flex items-center gap-4">
                    <SubmitButton pending=save.pending() label="Save contact details" busy="Saving…" />
                    <p role="status" class="text-sm text-teal-800">{move || saved().then_some("Saved.")}</p>
                </div>
            </ActionForm>
        </section>
    }
}

/// The details the patient keeps current themselves: how to address
/// them, their language, address and emergency contact. Gender identity
/// and sex assigned at birth are recorded with their care team.
#[component]
fn MyDetailsForm(information: MyInformation, save: ServerAction<UpdateMyDetails>) -> impl IntoView {
    let last = save.value();
    let saved = move || matches!(last.get(), Some(Ok(())));
    view! {
        <section aria-labelledby="details-heading" class="space-y-3 rounded-xl border border-stone-200 bg-white p-4">
            <h2 id="details-heading" class="text-lg font-semibold">"Your address and emergency contact"</h2>
            <p class="text-sm text-stone-600">"Leave a field empty to remove it. To change how your gender is recorded, talk to your therapist."</p>
            <ActionForm action=save attr:class="space-y-4" attr:novalidate=true attr:data-testid="my-details-form">
                <CsrfField />
                <DetailsFields details=information.details last care_team=false />
                <FormAlert message=form_error(last) />
                <div class="flex items-center gap-4">
                    <SubmitButton pending=save.pending() label="Save your details" busy="Saving…" />
                    <p role="status" class="text-sm text-teal-800">{move || saved().then_some("Saved.")}</p>
                </div>
            </ActionForm>
        </section>
    }
}
