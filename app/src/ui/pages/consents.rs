//! Consents. The patient (`/me/consents`) reads each of the practice's
//! forms and signs it with their typed full name, and revokes a consent
//! (a fresh second factor first); staff (`/patients/{id}/consents`) see
//! which are in force and record one signed on paper.

use crate::{
    api::{
        RecordPaperConsent, RevokeConsent, SignConsent,
        consents::{get_my_consents, get_patient_consents},
    },
    error::AppError,
    model::{
        consent::{Consent, ConsentKind, ConsentState, ConsentTemplate},
        day::readable,
    },
    ui::{
        components::{
            BackToPatient, CsrfField, FormAlert, LoadFailed, PatientPage, SelectField, StepUpForm,
            SubmitButton, TextField, field_error, form_error, refresh_on_success, style,
        },
        pages::retention::last_patient,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

/// The fields a form that names a recipient adds (a release, a consent to
/// disclose counseling records), and its end date; `key` makes their ids
/// unique on a page with several forms.
#[component]
fn ReleaseFields(
    kind: ConsentKind,
    key: String,
    #[prop(into)] last: Signal<Option<Result<(), AppError>>>,
) -> impl IntoView {
    let names = kind.names_recipient();
    let ends = if kind == ConsentKind::Release {
        "Ends on"
    } else {
        "Ends on (optional)"
    };
    view! {
        {names.then(|| view! {
            <TextField name="recipient" id=format!("recipient-{key}") label="Who may receive it" autocomplete="off" error=field_error(last, "recipient") />
            <TextField name="released" id=format!("released-{key}") label="What may be released" autocomplete="off" error=field_error(last, "released") />
            <TextField name="purpose" id=format!("purpose-{key}") label="What it is for" autocomplete="off" error=field_error(last, "purpose") />
        })}
        <TextField name="expires_on" id=format!("expires-{key}") label=ends input_type="date" error=field_error(last, "expires_on") />
    }
}

/// One consent in a list: the form, how and when it was given, for a
/// release to whom and what, and where it stands.
#[component]
fn ConsentItem(consent: Consent, #[prop(optional)] children: Option<Children>) -> impl IntoView {
    let how = match &consent.recorded_by {
        Some(by) => format!(
            "Signed on paper as “{}”, recorded by {by}",
            consent.signed_name
        ),
        None => format!("Signed in the portal as “{}”", consent.signed_name),
    };
    let badge = match consent.state {
        ConsentState::InForce => "bg-teal-100 text-teal-950",
        ConsentState::NotYetGiven | ConsentState::Expired | ConsentState::Revoked => {
            "bg-stone-200 text-stone-900"
        }
    };
    view! {
        <li class="space-y-1 py-3" data-testid="consent">
            <div class="flex flex-wrap items-center gap-x-3 gap-y-1">
                <span class="font-semibold">{format!("{} (version {})", consent.title, consent.version)}</span>
                <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {badge}") data-testid="consent-state">{consent.state.label()}</span>
            </div>
            <p class="text-sm text-stone-700">{format!("{how}, {}.", consent.signed_at)}</p>
            {consent.release.clone().map(|release| view! {
                <p class="text-sm">{format!("To {}: {}. For {}.", release.recipient, release.released, release.purpose)}</p>
            })}
            {consent.expires_on.clone().map(|day| view! { <p class="text-sm text-stone-700">{format!("Ends {}", readable(&day))}</p> })}
            {consent.revoked_at.clone().map(|at| view! { <p class="text-sm text-stone-700">{format!("Revoked {at}")}</p> })}
            <p class="break-all text-xs text-stone-500">{format!("Text fingerprint (SHA-256): {}", consent.text_sha256)}</p>
            {children.map(|children| children())}
        </li>
    }
}

#[component]
pub fn MyConsentsPage() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let mine = Resource::new(move || refresh.get(), |_| get_my_consents());
    // Above the list, so a refresh that rebuilds it keeps their answers.
    let sign = ServerAction::<SignConsent>::new();
    let revoke = ServerAction::<RevokeConsent>::new();
    refresh_on_success(sign.value(), refresh);
    refresh_on_success(revoke.value(), refresh);
    let signing = last_patient(
        move || sign.input().get(),
        |input| input.form.template_id.parse().unwrap_or_default(),
    );
    view! {
        <Title text="My consents" />
        <div class="max-w-3xl space-y-6">
            <h1 class="text-2xl font-semibold">"My consents"</h1>
            <p class="text-stone-700">
                "Read each of your practice's forms and sign it by typing your full name. A release lets the practice share what you choose with someone you name, until the day you set; you can revoke any consent here, and it stops at once."
            </p>
            {move || matches!(sign.value().get(), Some(Ok(()))).then(|| view! {
                <p role="status" class="rounded-md border border-teal-300 bg-teal-50 p-3 text-sm text-teal-900">"Signed. It is listed under your consents."</p>
            })}
            <Revoked revoke />
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match mine.await {
                        Ok(Some(mine)) => view! {
                            <section class="space-y-3" aria-labelledby="to-sign">
                                <h2 id="to-sign" class="text-xl font-semibold">"Forms to read and sign"</h2>
                                {if mine.to_sign.is_empty() {
                                    view! { <p class="text-stone-600">"Nothing to sign."</p> }.into_any()
                                } else {
                                    mine.to_sign.into_iter().map(|form| view! { <SignForm form sign signing /> }).collect_view().into_any()
                                }}
                            </section>
                            <section class="space-y-3" aria-labelledby="given">
                                <h2 id="given" class="text-xl font-semibold">"Your consents"</h2>
                                {if mine.consents.is_empty() {
                                    view! { <p class="text-stone-600" data-testid="no-consents">"You have not signed any consent yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white px-4" data-testid="my-consents">
                                            {mine.consents.into_iter().map(|consent| {
                                                let id = consent.id;
                                                let can_revoke = consent.state == ConsentState::InForce;
                                                let title = consent.title.clone();
                                                view! {
                                                    <ConsentItem consent>
                                                        {can_revoke.then(|| view! {
                                                            <ActionForm action=revoke attr:class="pt-1">
                                                                <CsrfField />
                                                                <input type="hidden" name="consent_id" value=id.to_string() />
                                                                <button type="submit" class=style::SECONDARY_BUTTON aria-label=format!("Revoke {title}")>"Revoke"</button>
                                                            </ActionForm>
                                                        })}
                                                    </ConsentItem>
                                                }
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                        }.into_any(),
                        Ok(None) => view! { <p class="text-stone-600">"Your practice keeps no record for you yet."</p> }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// One form to sign: its text as the practice wrote it, then the name.
#[component]
fn SignForm(
    form: ConsentTemplate,
    sign: ServerAction<SignConsent>,
    signing: RwSignal<Option<Uuid>>,
) -> impl IntoView {
    let id = form.id;
    let last = Signal::derive(move || {
        (signing.get() == Some(id))
            .then(|| sign.value().get())
            .flatten()
    });
    let heading = format!("form-{id}");
    let labelled = heading.clone();
    view! {
        <article class="space-y-3 rounded-xl border border-stone-200 bg-white p-4" aria-labelledby=labelled data-testid="form-to-sign">
            <h3 id=heading class="font-semibold">{format!("{} (version {})", form.title, form.version)}</h3>
            <p class="text-sm text-stone-600">{form.kind.label()}</p>
            <div class="max-h-64 overflow-y-auto whitespace-pre-wrap rounded-md border border-stone-200 bg-stone-50 p-3 text-stone-900" tabindex="0" role="region" aria-label=format!("Text of {}", form.title) data-testid="form-text">{form.text.clone()}</div>
            <ActionForm action=sign attr:class="space-y-3" attr:novalidate=true>
                <CsrfField />
                <input type="hidden" name="template_id" value=id.to_string() />
                <input type="hidden" name="text_sha256" value=form.text_sha256.clone() />
                <ReleaseFields kind=form.kind key=id.to_string() last=Signal::derive(move || last.get()) />
                <TextField name="typed_name" id=format!("typed-name-{id}") label="Type your full legal name to sign" autocomplete="name" error=field_error(last, "typed_name") />
                <FormAlert message=field_error(last, "text_sha256") />
                <FormAlert message=form_error(last) />
                <button type="submit" class=style::PRIMARY_BUTTON aria-label=format!("Sign {}", form.title)>"Sign"</button>
            </ActionForm>
        </article>
    }
}

/// "Revoked." once a revocation went through, and the second factor it
/// asks for when the patient's last one is not fresh (then it carries on).
#[component]
fn Revoked(revoke: ServerAction<RevokeConsent>) -> impl IntoView {
    let asked = RwSignal::new(None::<RevokeConsent>);
    Effect::new(move |_| {
        if let Some(input) = revoke.input().get() {
            asked.set(Some(input));
        }
    });
    let carry_on = move |csrf_token: String| {
        if let Some(input) = asked.get_untracked() {
            revoke.dispatch(RevokeConsent {
                csrf_token,
                ..input
            });
        }
    };
    view! {
        {move || match revoke.value().get() {
            Some(Err(AppError::StepUpRequired)) => view! { <StepUpForm then=carry_on /> }.into_any(),
            Some(Ok(())) => view! {
                <p role="status" class="rounded-md border border-teal-300 bg-teal-50 p-3 text-sm text-teal-900" data-testid="revoked-notice">
                    "Revoked. From now on the practice may not act on it."
                </p>
            }.into_any(),
            Some(Err(error)) => view! { <FormAlert message=Signal::derive(move || Some(error.to_string())) /> }.into_any(),
            None => ().into_any(),
        }}
    }
}

#[component]
pub fn PatientConsentsPage() -> impl IntoView {
    view! { <PatientPage title="Consents" page=|id| view! { <ForPatient id /> }.into_any() /> }
}

#[component]
fn ForPatient(id: Uuid) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let record = ServerAction::<RecordPaperConsent>::new();
    refresh_on_success(record.value(), refresh);
    let consents = Resource::new(move || refresh.get(), move |_| get_patient_consents(id));
    view! {
        <div class="space-y-2">
            <BackToPatient patient_id=id />
            <h1 class="text-2xl font-semibold">"Consents"</h1>
            <p class="text-stone-700">"What this patient has consented to, in the portal or on paper, and where each stands today. Patients sign and revoke their own in the portal."</p>
        </div>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match consents.await {
                    Ok(consents) => view! {
                        <ul class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white px-4" data-testid="patient-consents">
                            {if consents.consents.is_empty() {
                                view! { <li class="py-3 text-stone-600">"No consents recorded."</li> }.into_any()
                            } else {
                                consents.consents.into_iter().map(|consent| view! { <ConsentItem consent /> }).collect_view().into_any()
                            }}
                        </ul>
                        <PaperForm patient_id=id forms=consents.forms record />
                    }.into_any(),
                    Err(error) => view! { <LoadFailed error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Records a consent signed on paper: the form it was, the name as
/// signed, the day, and for a release to whom, what, why and until when.
#[component]
fn PaperForm(
    patient_id: Uuid,
    forms: Vec<ConsentTemplate>,
    record: ServerAction<RecordPaperConsent>,
) -> impl IntoView {
    let last = record.value();
    // The fields a release adds appear once the form chosen is one.
    let chosen = RwSignal::new(None::<ConsentKind>);
    let kinds: Vec<(Uuid, ConsentKind)> = forms.iter().map(|f| (f.id, f.kind)).collect();
    let choose = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev).parse::<Uuid>().ok();
        chosen.set(id.and_then(|id| kinds.iter().find(|(k, _)| *k == id).map(|(_, kind)| *kind)));
    };
    let saved = move || matches!(last.get(), Some(Ok(())));
    view! {
        <details class="rounded-xl border border-stone-200 bg-white p-4">
            <summary class="cursor-pointer font-medium text-teal-800">"Record a consent signed on paper"</summary>
            {if forms.is_empty() {
                view! { <p class="mt-2 text-stone-600">"The practice has no consent forms yet: an administrator adds them under Consent forms."</p> }.into_any()
            } else {
                view! {
                    <ActionForm action=record attr:class="mt-3 space-y-3" attr:novalidate=true attr:data-testid="paper-consent">
                        <CsrfField />
                        <input type="hidden" name="patient_id" value=patient_id.to_string() />
                        <div on:change=choose>
                            <SelectField name="template_id" label="Form" error=field_error(last, "template_id")>
                                <option value="">"Choose…"</option>
                                {forms.iter().map(|form| view! {
                                    <option value=form.id.to_string()>{format!("{} (version {})", form.title, form.version)}</option>
                                }).collect_view()}
                            </SelectField>
                        </div>
                        <TextField name="typed_name" label="Name as signed" autocomplete="off" error=field_error(last, "typed_name") />
                        <TextField name="signed_on" label="Signed on (blank for today)" input_type="date" error=field_error(last, "signed_on") />
                        {move || {
                            let kind = chosen.get().unwrap_or(ConsentKind::Other);
                            view! { <ReleaseFields kind key="paper".to_owned() last /> }
                        }}
                        <FormAlert message=form_error(last) />
                        <p role="status" class="text-sm text-teal-900">{move || saved().then_some("Consent recorded.")}</p>
                        <SubmitButton pending=record.pending() label="Record the consent" busy="Recording…" />
                    </ActionForm>
                }.into_any()
            }}
        </details>
    }
}
