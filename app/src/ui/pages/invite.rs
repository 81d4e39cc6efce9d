//! Using an invitation: the invitee sees whom it is for and sets their
//! password; then they are signed in.

use crate::ui::components::style;
use crate::{
    api::{AcceptInvitation, people::get_invitation},
    error::AppError,
    ui::components::{CsrfField, FormAlert, PasswordField, UnavailableNotice},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let invitation = Resource::new_blocking(token, get_invitation);
    let accept = ServerAction::<AcceptInvitation>::new();
    let last_error = move || accept.value().get().and_then(Result::err);
    let field =
        move |name: &'static str| Signal::derive(move || last_error().and_then(|e| e.field(name)));
    let form_message = Signal::derive(move || {
        last_error().and_then(|e| match e {
            AppError::Invalid(_) => e.field("invitation"),
            other => Some(other.to_string()),
        })
    });

    view! {
        <Title text="Set your password" />
        <section class="mx-auto max-w-md">
            <div class="rounded-xl border border-stone-200 bg-white p-8 shadow-sm">
                <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match invitation.await {
                            Ok(view) => view! {
                                <h1 class="text-2xl font-semibold">{format!("Welcome, {}", view.display_name)}</h1>
                                <p class="mt-1 text-stone-600">
                                    "Choose a password to finish setting up your account ("
                                    {view.email.clone()}
                                    ")."
                                </p>
                                <ActionForm action=accept attr:class="mt-6 space-y-4" attr:novalidate=true>
                                    <CsrfField />
                                    <input type="hidden" name="token" value=token() />
                                    <input type="hidden" autocomplete="username" value=view.email />
                                    <PasswordField
                                        name="password"
                                        label="New password"
                                        autocomplete="new-password"
                                        error=field("password")
                                    />
                                    <p class="text-sm text-stone-600">
                                        {format!("At least {} characters. A few unrelated words work well.", crate::model::validate::password_min(view.role))}
                                    </p>
                                    <FormAlert message=form_message />
                                    <button
                                        type="submit"
                                        class=style::PRIMARY_BUTTON_WIDE
                                        disabled=move || accept.pending().get()
                                    >
                                        "Set password and sign in"
                                    </button>
                                </ActionForm>
                            }.into_any(),
                            Err(error @ AppError::Invalid(_)) => view! {
                                <h1 class="text-2xl font-semibold">"This invitation cannot be used"</h1>
                                <p role="alert" class="mt-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-amber-900">
                                    {error.field("invitation").unwrap_or_default()}
                                </p>
                                <p class="mt-4"><a class="text-teal-800 underline" href="/sign-in">"Go to sign in"</a></p>
                            }.into_any(),
                            Err(error) => view! { <UnavailableNotice error /> }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </section>
    }
}
