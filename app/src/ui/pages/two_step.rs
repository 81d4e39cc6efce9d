//! Security → Two-step verification: set it up (QR code or typed key, then
//! a code), see its state, make new recovery codes, turn it off where the
//! role allows. Staff who must set it up land here and reach nothing else
//! until they have.

use crate::ui::components::style;
use crate::{
    api::{
        ConfirmMfaSetup, RegenerateRecoveryCodes, TurnOffMfa,
        mfa::{get_mfa_overview, get_mfa_setup},
    },
    error::AppError,
    model::{MfaOverview, RecoveryCodes},
    ui::{
        components::{
            CsrfField, FormAlert, LoadFailed, StepUpForm, SubmitButton, TextField,
            UnavailableNotice, field_error, form_error, problem_besides_step_up, successes,
        },
        visitor,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn TwoStepPage() -> impl IntoView {
    let confirm = ServerAction::<ConfirmMfaSetup>::new();
    let regenerate = ServerAction::<RegenerateRecoveryCodes>::new();
    let turn_off = ServerAction::<TurnOffMfa>::new();
    // Re-read once setup or turning off succeeds; not after a wrong code,
    // which would rebuild the setup form under the next try.
    let confirmed = successes(confirm.value(), confirm.version());
    let turned_off = successes(turn_off.value(), turn_off.version());
    let overview = Resource::new(
        move || (confirmed.get(), turned_off.get()),
        |_| get_mfa_overview(),
    );
    // Setup proves the second factor: the session has a new id and CSRF
    // token, which the forms that follow must carry.
    let visitor = visitor();
    Effect::new(move |_| {
        if matches!(confirm.value().get(), Some(Ok(_))) {
            visitor.refetch();
        }
    });
    // Fresh codes from setup, from "make new codes" or from a first
    // passkey, shown once.
    let first_codes = RwSignal::new(None::<RecoveryCodes>);
    let fresh = move || {
        confirm
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| regenerate.value().get().and_then(Result::ok))
            .or_else(|| first_codes.get())
    };
    view! {
        <Title text="Two-step verification" />
        <div class="max-w-2xl space-y-6">
            <h1 class="text-2xl font-semibold">"Two-step verification"</h1>
            {move || fresh().map(|codes| view! { <ShowRecoveryCodes codes /> })}
            <super::passkeys::PasskeysSection fresh_codes=move |codes| first_codes.set(Some(codes)) />
            <h2 class="text-lg font-semibold">"Authenticator app"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(MfaOverview { status, required, .. }) if status.enrolled => view! {
                            <Manage status required regenerate turn_off />
                        }.into_any(),
                        Ok(MfaOverview { required, .. }) => view! { <Setup required confirm /> }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// Scan or type the key, then confirm with a code.
#[component]
fn Setup(required: bool, confirm: ServerAction<ConfirmMfaSetup>) -> impl IntoView {
    let setup = Resource::new(|| (), |_| get_mfa_setup());
    let code_error = field_error(confirm.value(), "code");
    let form_message = form_error(confirm.value());
    view! {
        <p class="text-stone-700">
            {if required {
                "Your role requires two-step verification. Set it up now: after your password, Cairn will also ask for a code from an app on your phone."
            } else {
                "Add a second step to your sign-in: after your password, Cairn will also ask for a code from an app on your phone."
            }}
        </p>
        <Transition fallback=|| view! { <p>"Preparing your code…"</p> }>
            {move || Suspend::new(async move {
                match setup.await {
                    Ok(setup) => view! {
                        <ol class="list-decimal space-y-6 pl-5">
                            <li class="space-y-3">
                                <p>"Open an authenticator app (for example Google Authenticator, Microsoft Authenticator, 1Password) and scan this code."</p>
                                <img
                                    src=format!("data:image/png;base64,{}", setup.qr_png_base64)
                                    alt="QR code for setting up two-step verification"
                                    width="200"
                                    height="200"
                                    class="rounded-lg border border-stone-200 bg-white p-2"
                                />
                                <p class="text-sm text-stone-600">"Can't scan it? Add an account by hand with this key (time-based):"</p>
                                <p class="font-mono text-lg tracking-wider" data-testid="mfa-secret">{setup.secret_text.clone()}</p>
                                <p class="text-sm text-stone-600">{format!("Account: {} · Issuer: Cairn", setup.account)}</p>
                            </li>
                            <li>
                                <p>"Enter the 6-digit code the app now shows."</p>
                                <ActionForm action=confirm attr:class="mt-3 max-w-xs space-y-4" attr:novalidate=true>
                                    <CsrfField />
                                    <TextField name="code" label="Code" autocomplete="one-time-code" inputmode="numeric" error=code_error />
                                    <FormAlert message=form_message />
                                    <SubmitButton pending=confirm.pending() label="Turn on two-step verification" busy="Checking…" />
                                </ActionForm>
                            </li>
                        </ol>
                    }.into_any(),
                    Err(error) => view! { <UnavailableNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// On: recovery codes left, make new ones, turn off where allowed.
#[component]
fn Manage(
    status: crate::model::MfaStatus,
    required: bool,
    regenerate: ServerAction<RegenerateRecoveryCodes>,
    turn_off: ServerAction<TurnOffMfa>,
) -> impl IntoView {
    // Which of the two the person asked for last, to carry on with it once
    // a fresh code is in.
    let asked = RwSignal::new(None::<Asked>);
    Effect::new(move |_| {
        if regenerate.input().get().is_some() {
            asked.set(Some(Asked::NewCodes));
        }
    });
    Effect::new(move |_| {
        if turn_off.input().get().is_some() {
            asked.set(Some(Asked::TurnOff));
        }
    });
    let needs_step_up = move || {
        matches!(
            regenerate.value().get(),
            Some(Err(AppError::StepUpRequired))
        ) || matches!(turn_off.value().get(), Some(Err(AppError::StepUpRequired)))
    };
    let carry_on = move |csrf_token: String| match asked.get_untracked() {
        Some(Asked::NewCodes) => {
            regenerate.dispatch(RegenerateRecoveryCodes { csrf_token });
        }
        Some(Asked::TurnOff) => {
            turn_off.dispatch(TurnOffMfa { csrf_token });
        }
        None => {}
    };
    let other_error = Signal::derive(move || {
        problem_besides_step_up([
            regenerate.value().get().and_then(Result::err),
            turn_off.value().get().and_then(Result::err),
        ])
    });
    let left = status.recovery_codes_left;
    let made = status
        .recovery_codes_made_secs_ago
        .map(|secs| format!(" They were made {}.", crate::model::ago(secs)));
    view! {
        <div class="space-y-4 rounded-xl border border-stone-200 bg-white p-6" data-testid="mfa-on">
            <p class="font-medium text-teal-900">"Two-step verification is on."</p>
            <p class="text-sm text-stone-700">
                {format!("You have {left} unused recovery code{}.", if left == 1 { "" } else { "s" })}
                {made}
                {(left <= 3).then_some(" Make new ones soon.")}
            </p>
            {move || needs_step_up().then(|| view! { <StepUpForm then=carry_on /> })}
            <FormAlert message=other_error />
            <div class="flex flex-wrap gap-3">
                <ActionForm action=regenerate>
                    <CsrfField />
                    <button type="submit" class=style::SECONDARY_BUTTON>"Make new recovery codes"</button>
                </ActionForm>
                {(!required).then(|| view! {
                    <ActionForm action=turn_off>
                        <CsrfField />
                        <button type="submit" class=style::SECONDARY_BUTTON>"Turn off two-step verification"</button>
                    </ActionForm>
                })}
            </div>
            {required.then(|| view! {
                <p class="text-sm text-stone-600">"Your role requires two-step verification, so it cannot be turned off. Lost your device? Sign in with a recovery code, or ask an administrator to reset it."</p>
            })}
        </div>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asked {
    NewCodes,
    TurnOff,
}

/// The recovery codes, once, with copy and download.
#[component]
pub(crate) fn ShowRecoveryCodes(codes: RecoveryCodes) -> impl IntoView {
    let text = codes.0.join("\n");
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        text.replace('\n', "%0A")
    );
    let copied = RwSignal::new(false);
    let to_copy = text.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&to_copy);
            copied.set(true);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &to_copy;
    };
    view! {
        <section aria-labelledby="codes-heading" class="space-y-3 rounded-xl border border-teal-300 bg-teal-50 p-6">
            <h2 id="codes-heading" class="text-lg font-semibold text-teal-950">"Your recovery codes"</h2>
            <p class="text-sm text-teal-950">
                "Each works once, instead of a code from your app, if you lose your device. Keep them somewhere safe; they will not be shown again."
            </p>
            <ul class="grid grid-cols-2 gap-2 font-mono text-lg" data-testid="recovery-codes">
                {codes.0.into_iter().map(|code| view! { <li>{code}</li> }).collect_view()}
            </ul>
            <div class="flex flex-wrap gap-3">
                <button type="button" class=style::SECONDARY_BUTTON on:click=copy>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
                <a href=download download="cairn-recovery-codes.txt" class=style::SECONDARY_BUTTON>"Download"</a>
                <a href="/home" class=style::PRIMARY_BUTTON>"Continue to Cairn"</a>
            </div>
        </section>
    }
}
