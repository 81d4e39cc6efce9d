//! Step-up in place: a sensitive action that needs a fresh second factor
//! asks for a code right where the person is, then carries on with the
//! action, so nothing has to be done twice.

use super::{CsrfField, TextField, field_error, form_error, style};
use crate::{api::StepUp, error::AppError, ui::visitor};
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

/// Asks for a current code. Once it passes, every form on the page gets the
/// session's new CSRF token, and `then` runs with it to repeat the
/// interrupted action.
#[component]
pub fn StepUpForm(#[prop(into)] then: Callback<String>) -> impl IntoView {
    let step_up = ServerAction::<StepUp>::new();
    let visitor = visitor();
    Effect::new(move |_| {
        if let Some(Ok(token)) = step_up.value().get() {
            visitor.refetch();
            then.run(token);
        }
    });
    let code_error = field_error(step_up.value(), "code");
    let other_error = form_error(step_up.value());
    let done = move || matches!(step_up.value().get(), Some(Ok(_)));
    view! {
        <div role="region" aria-label="Confirm it is you" class="rounded-md border border-amber-300 bg-amber-50 p-4" data-testid="step-up">
            {move || if done() {
                view! { <p role="status" class="text-sm text-teal-900">"Thank you. Continuing…"</p> }.into_any()
            } else {
                view! {
                    <p class="text-sm text-amber-950">"For your security, enter a current code from your authenticator app to continue."</p>
                    <ActionForm action=step_up attr:class="mt-3 flex max-w-sm items-end gap-3" attr:novalidate=true>
                        <CsrfField />
                        <TextField name="code" label="Code" autocomplete="one-time-code" inputmode="numeric" error=code_error />
                        <button type="submit" class=style::PRIMARY_BUTTON>"Confirm"</button>
                    </ActionForm>
                    {move || other_error.get().map(|text| view! { <p role="alert" class="mt-2 text-sm text-red-900">{text}</p> })}
                }.into_any()
            }}
        </div>
    }
}
