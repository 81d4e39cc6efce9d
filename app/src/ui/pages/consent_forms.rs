//! Administrators' consent forms (`/admin/consents`): the practice's
//! current version of each, a new form, and a new version of one. A
//! version is never edited: patients who signed an older one keep the
//! text they signed (its fingerprint is on their consent).

use crate::{
    api::{AddConsentForm, consents::get_consent_forms},
    model::consent::{ConsentKind, ConsentTemplate},
    ui::{
        components::{
            CsrfField, FormAlert, LoadFailed, SelectField, SubmitButton, TextAreaField, TextField,
            field_error, form_error, refresh_on_success,
        },
        pages::retention::last_patient,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

#[component]
pub fn ConsentFormsPage() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let forms = Resource::new(move || refresh.get(), |_| get_consent_forms());
    // Above the list, so a refresh that rebuilds it keeps the answer.
    let add = ServerAction::<AddConsentForm>::new();
    refresh_on_success(add.value(), refresh);
    // Which form (its current version; nil for a new one) was last sent.
    let asked = last_patient(
        move || add.input().get(),
        |input| input.form.replaces.parse().unwrap_or_default(),
    );
    view! {
        <Title text="Consent forms" />
        <div class="max-w-3xl space-y-6">
            <h1 class="text-2xl font-semibold">"Consent forms"</h1>
            <p class="text-stone-700">
                "The forms patients read and sign in the portal, and that staff record when signed on paper. Changing a form publishes a new version; whoever signed an earlier one keeps the text they signed."
            </p>
            {move || matches!(add.value().get(), Some(Ok(_))).then(|| view! {
                <p role="status" class="rounded-md border border-teal-300 bg-teal-50 p-3 text-sm text-teal-900">"Published."</p>
            })}
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match forms.await {
                        Ok(forms) if forms.is_empty() => view! {
                            <p class="rounded-xl border border-dashed border-stone-300 p-6 text-center text-stone-600" data-testid="no-forms">"No consent forms yet."</p>
                        }.into_any(),
                        Ok(forms) => view! {
                            <ul class="space-y-3" data-testid="consent-forms">
                                {forms.into_iter().map(|form| view! { <FormItem form add asked /> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
            <section class="rounded-xl border border-stone-200 bg-white p-4" aria-labelledby="new-form">
                <h2 id="new-form" class="text-lg font-semibold">"Add a form"</h2>
                <FormFields add asked replacing=None />
            </section>
        </div>
    }
}

/// One current form, with a new version to publish.
#[component]
fn FormItem(
    form: ConsentTemplate,
    add: ServerAction<AddConsentForm>,
    asked: RwSignal<Option<Uuid>>,
) -> impl IntoView {
    let title = form.title.clone();
    view! {
        <li class="space-y-2 rounded-xl border border-stone-200 bg-white p-4" data-testid="consent-form">
            <div class="flex flex-wrap items-baseline gap-x-3">
                <span class="font-semibold">{form.title.clone()}</span>
                <span class="text-sm text-stone-700">{format!("{} · version {} · published {}", form.kind.label(), form.version, crate::model::day::readable(&form.created_on))}</span>
            </div>
            <details>
                <summary class="cursor-pointer text-sm text-teal-800 underline">{format!("Read or change {title}")}</summary>
                <FormFields add asked replacing=Some(form) />
            </details>
        </li>
    }
}

/// The fields of a form: a new one, or a new version of `replacing`.
#[component]
fn FormFields(
    add: ServerAction<AddConsentForm>,
    asked: RwSignal<Option<Uuid>>,
    replacing: Option<ConsentTemplate>,
) -> impl IntoView {
    let key = replacing.as_ref().map(|f| f.id).unwrap_or_default();
    let last = Signal::derive(move || {
        (asked.get() == Some(key))
            .then(|| add.value().get())
            .flatten()
    });
    let kind = replacing
        .as_ref()
        .map_or(ConsentKind::Treatment, |f| f.kind);
    let title = replacing
        .as_ref()
        .map(|f| f.title.clone())
        .unwrap_or_default();
    let text = replacing
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default();
    let label = if replacing.is_some() {
        "Publish a new version"
    } else {
        "Add the form"
    };
    view! {
        <ActionForm action=add attr:class="mt-3 space-y-3" attr:novalidate=true>
            <CsrfField />
            <input type="hidden" name="replaces" value=if replacing.is_some() { key.to_string() } else { String::new() } />
            <SelectField name="kind" id=format!("kind-{key}") label="What it is for" error=field_error(last, "kind")>
                {ConsentKind::ALL.iter().map(|k| view! { <option value=k.as_str() selected=*k == kind>{k.label()}</option> }).collect_view()}
            </SelectField>
            <TextField name="title" id=format!("title-{key}") label="Title" autocomplete="off" value=title error=field_error(last, "title") />
            <TextAreaField name="text" id=format!("text-{key}") label="Text patients read and sign" hint="Exactly as patients will read it." rows=10 value=text error=field_error(last, "text") />
            <FormAlert message=field_error(last, "replaces") />
            <FormAlert message=form_error(last) />
            <SubmitButton pending=add.pending() label busy="Publishing…" />
        </ActionForm>
    }
}
