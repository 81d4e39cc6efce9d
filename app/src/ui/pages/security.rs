//! Security: where a person sees the devices signed in to their account,
//! ends any of them, manages their passkeys, and changes their password.

use crate::ui::components::style;
use crate::{
    api::{ChangePassword, EndMySession, SignOutEverywhere, security::list_my_sessions},
    model::{SessionSummary, ago},
    ui::components::{
        CsrfField, FormAlert, LoadFailed, PasswordField, SecurityActivity, SubmitButton,
        field_error, form_error,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SecurityPage() -> impl IntoView {
    let end = ServerAction::<EndMySession>::new();
    let change = ServerAction::<ChangePassword>::new();
    // Re-read after ending a session or changing the password (which ends
    // the others).
    let sessions = Resource::new(
        move || (end.version().get(), change.version().get()),
        |_| list_my_sessions(),
    );
    // A first passkey's recovery codes, shown once.
    let first_codes = RwSignal::new(None::<crate::model::RecoveryCodes>);
    view! {
        <Title text="Security" />
        <div class="space-y-10">
            <h1 class="text-2xl font-semibold">"Security"</h1>
            <section aria-labelledby="sessions-heading" class="space-y-4">
                <h2 id="sessions-heading" class="text-lg font-semibold">"Where you are signed in"</h2>
                <Transition fallback=|| view! { <p>"Loading your sessions…"</p> }>
                    {move || Suspend::new(async move {
                        match sessions.await {
                            Ok(list) => view! { <SessionList list end /> }.into_any(),
                            Err(error) => view! { <LoadFailed error /> }.into_any(),
                        }
                    })}
                </Transition>
                <SignOutEverywhereForm />
            </section>
            <section aria-labelledby="two-step-heading" class="space-y-2">
                <h2 id="two-step-heading" class="text-lg font-semibold">"Two-step verification"</h2>
                <p class="text-sm text-stone-600">"A code from an app on your phone after your password, and recovery codes in case you lose it."</p>
                <a href="/security/two-step" class="inline-block rounded-md border border-stone-300 px-3 py-1.5 text-sm font-medium text-stone-700 hover:bg-stone-100">"Manage two-step verification"</a>
            </section>
            {move || first_codes.get().map(|codes| view! { <super::two_step::ShowRecoveryCodes codes /> })}
            <super::passkeys::PasskeysSection fresh_codes=move |codes| first_codes.set(Some(codes)) />
            <ChangePasswordForm change />
            <SecurityActivity />
        </div>
    }
}

#[component]
fn SessionList(list: Vec<SessionSummary>, end: ServerAction<EndMySession>) -> impl IntoView {
    view! {
        <ul class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white" data-testid="sessions">
            {list
                .into_iter()
                .map(|s| {
                    let label = format!("End session on {}", s.device);
                    view! {
                        <li class="flex flex-wrap items-center justify-between gap-3 px-4 py-3">
                            <div>
                                <p class="font-medium">
                                    {s.device.clone()}
                                    {s.current.then(|| view! {
                                        <span class="ml-2 rounded-full bg-teal-100 px-2 py-0.5 text-xs font-medium text-teal-900">"This device"</span>
                                    })}
                                </p>
                                <p class="text-sm text-stone-600">
                                    {format!(
                                        "{} · signed in {} · last active {}",
                                        s.ip.clone().unwrap_or_else(|| "Address unknown".to_owned()),
                                        ago(s.signed_in_secs_ago),
                                        ago(s.last_seen_secs_ago),
                                    )}
                                </p>
                            </div>
                            {(!s.current).then(|| view! {
                                <ActionForm action=end>
                                    <CsrfField />
                                    <input type="hidden" name="handle" value=s.handle.clone() />
                                    <button type="submit" aria-label=label.clone() class=style::SECONDARY_BUTTON>"End session"</button>
                                </ActionForm>
                            })}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

#[component]
fn SignOutEverywhereForm() -> impl IntoView {
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    let message = Signal::derive(move || {
        everywhere
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    });
    view! {
        <ActionForm action=everywhere attr:class="space-y-2">
            <CsrfField />
            <FormAlert message />
            <button type="submit" class=style::SECONDARY_BUTTON>"Sign out everywhere"</button>
            <p class="text-sm text-stone-600">"Ends every session above, this one too. Use it if you signed in on a shared or lost device."</p>
        </ActionForm>
    }
}

#[component]
fn ChangePasswordForm(change: ServerAction<ChangePassword>) -> impl IntoView {
    let field = move |name: &'static str| field_error(change.value(), name);
    let form_message = form_error(change.value());
    let saved = move || matches!(change.value().get(), Some(Ok(())));
    view! {
        <section aria-labelledby="password-heading" class="max-w-md space-y-4">
            <h2 id="password-heading" class="text-lg font-semibold">"Change your password"</h2>
            <p class="text-sm text-stone-600">
                "At least 12 characters (15 for administrators). A few unrelated words work well. Changing it signs out your other sessions."
            </p>
            <div role="status">
                {move || saved().then(|| view! {
                    <p class="rounded-md border border-teal-300 bg-teal-50 p-3 text-sm text-teal-900">
                        "Your password was changed. Every other session was signed out."
                    </p>
                })}
            </div>
            <ActionForm action=change attr:class="space-y-4" attr:novalidate=true>
                <CsrfField />
                <PasswordField name="current_password" label="Current password" error=field("current_password") />
                <PasswordField name="new_password" label="New password" autocomplete="new-password" error=field("new_password") />
                <FormAlert message=form_message />
                <SubmitButton pending=change.pending() label="Change password" busy="Changing…" />
            </ActionForm>
        </section>
    }
}
