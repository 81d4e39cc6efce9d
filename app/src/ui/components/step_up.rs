//! Step-up in place: a sensitive action that needs a fresh confirmation
//! asks for a code (or, from someone without two-step, their password)
//! right where the person is, then carries on with the
//! action, so nothing has to be done twice.

use super::{CsrfField, PasskeyButton, TextField, field_error, form_error, style};
use crate::{
    api::{StepUp, mfa::get_mfa_overview},
    error::AppError,
    ui::{passkey::Prove, visitor},
};
use leptos::prelude::*;

/// The message for the first of the actions' last errors that is not a
/// request for a fresh code (that one shows [`StepUpForm`] instead).
pub fn problem_besides_step_up(
    errors: impl IntoIterator<Item = Option<AppError>>,
) -> Option<String> {
    errors
        .into_iter()
        .flatten()
        .find(|e| *e != AppError::StepUpRequired)
        .map(|e| e.to_string())
}

/// Asks for a fresh confirmation: a current code from the person's
/// authenticator, or their password when they have none. Once it passes,
/// every form on the page gets the session's new CSRF token, and `then`
/// runs with it to repeat the interrupted action.
#[component]
pub fn StepUpForm(#[prop(into)] then: Callback<String>) -> impl IntoView {
    let step_up = ServerAction::<StepUp>::new();
    let visitor = visitor();
    // Which to ask for: read once, when the form appears.
    let two_step = Resource::new(|| (), |_| get_mfa_overview());
    Effect::new(move |_| {
        if let Some(Ok(token)) = step_up.value().get() {
            visitor.refetch();
            then.run(token);
        }
    });
    let code_error = field_error(step_up.value(), "code");
    let password_error = field_error(step_up.value(), "password");
    let other_error = form_error(step_up.value());
    let done = move || matches!(step_up.value().get(), Some(Ok(_)));
    let by_passkey = move |token: String| {
        visitor.refetch();
        then.run(token);
    };
    let asks = move |enrolled: bool, has_passkey: bool| {
        let sentence = if enrolled {
            "For your security, enter a current code from your authenticator app to continue."
        } else {
            "For your security, enter your password again to continue."
        };
        let field = if enrolled {
            view! { <TextField name="code" label="Code" autocomplete="one-time-code" inputmode="numeric" error=code_error /> }.into_any()
        } else {
            view! { <TextField name="password" label="Password" input_type="password" autocomplete="current-password" error=password_error /> }.into_any()
        };
        view! {
            <p class="text-sm text-amber-950">{sentence}</p>
            <ActionForm action=step_up attr:class="mt-3 flex max-w-sm items-end gap-3" attr:novalidate=true>
                <CsrfField />
                {field}
                <button type="submit" class=style::PRIMARY_BUTTON>"Confirm"</button>
            </ActionForm>
            {has_passkey.then(|| view! {
                <div class="mt-3">
                    <PasskeyButton whom=Prove::ThisPerson label="Use a passkey instead" then=by_passkey />
                </div>
            })}
        }
    };
    view! {
        <div role="region" aria-label="Confirm it is you" class="rounded-md border border-amber-300 bg-amber-50 p-4" data-testid="step-up">
            {move || if done() {
                view! { <p role="status" class="text-sm text-teal-900">"Thank you. Continuing…"</p> }.into_any()
            } else {
                view! {
                    <Suspense fallback=|| view! { <p class="text-sm text-stone-700">"Loading…"</p> }>
                        {move || two_step.get().map(|overview| match overview {
                            Ok(o) => asks(o.status.enrolled, o.has_passkey),
                            Err(_) => asks(true, false),
                        })}
                    </Suspense>
                    {move || other_error.get().map(|text| view! { <p role="alert" class="mt-2 text-sm text-red-900">{text}</p> })}
                }.into_any()
            }}
        </div>
    }
}
