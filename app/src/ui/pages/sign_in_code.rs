//! The second step of sign-in: a code from the authenticator app, or a
//! recovery code.

use crate::ui::components::style;
use crate::{
    api::VerifySignInCode,
    error::AppError,
    model::SecondFactorOutcome,
    ui::components::{
        CsrfField, FormAlert, PasskeyButton, SubmitButton, TextField, field_error, go_to,
    },
    ui::passkey::Prove,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SignInCodePage() -> impl IntoView {
    let verify = ServerAction::<VerifySignInCode>::new();
    let last = move || verify.value().get();
    let code_error = field_error(verify.value(), "code");
    let form_message = Signal::derive(move || {
        last().and_then(Result::err).and_then(|e| match e {
            AppError::Invalid(_) => None,
            AppError::Unauthenticated => {
                Some("This sign-in has expired. Please sign in again.".to_owned())
            }
            other => Some(other.to_string()),
        })
    });
    let recovered = move || match last() {
        Some(Ok(SecondFactorOutcome::SignedInWithRecoveryCode { left })) => Some(left),
        _ => None,
    };
    view! {
        <Title text="Two-step verification" />
        <section class="mx-auto max-w-md">
            <div class="rounded-xl border border-stone-200 bg-white p-8 shadow-sm">
                <h1 class="text-2xl font-semibold">"Two-step verification"</h1>
                {move || match recovered() {
                    Some(left) => view! { <RecoveryCodeUsed left /> }.into_any(),
                    None => view! {
                        <p class="mt-2 text-stone-700">
                            "Use your passkey, or enter the 6-digit code your authenticator app shows for Cairn. Lost your device? Enter one of your recovery codes instead."
                        </p>
                        <div class="mt-4">
                            <PasskeyButton whom=Prove::ThisPerson label="Use a passkey" then=move |_| go_to("/home") />
                        </div>
                        <ActionForm action=verify attr:class="mt-6 space-y-4" attr:novalidate=true>
                            <CsrfField />
                            <TextField name="code" label="Code" autocomplete="one-time-code" autofocus=true error=code_error />
                            <FormAlert message=form_message />
                            <SubmitButton pending=verify.pending() label="Verify" busy="Checking…" wide=true />
                        </ActionForm>
                        <p class="mt-4 text-sm text-stone-600">
                            <a href="/sign-in" class="underline">"Start again"</a>
                        </p>
                    }.into_any(),
                }}
            </div>
        </section>
    }
}

/// After a recovery code: how many are left, and a nudge to make new ones.
#[component]
fn RecoveryCodeUsed(left: u32) -> impl IntoView {
    let few = left <= 3;
    view! {
        <div role="status" class="mt-4 space-y-3" data-testid="recovery-code-used">
            <p class="rounded-md border border-teal-300 bg-teal-50 p-3 text-teal-900">
                {format!("You are signed in with a recovery code. You have {left} left; each works once.")}
            </p>
            {few.then(|| view! {
                <p class="rounded-md border border-amber-300 bg-amber-50 p-3 text-amber-950">
                    "You are running low. Make new recovery codes now, and keep them somewhere safe."
                </p>
            })}
            <div class="flex gap-3">
                <a href="/security/two-step" class=style::PRIMARY_BUTTON>"Make new recovery codes"</a>
                <a href="/home" class="rounded-md border border-stone-300 px-4 py-2 font-medium text-stone-700 hover:bg-stone-100">"Continue"</a>
            </div>
        </div>
    }
}
