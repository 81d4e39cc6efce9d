//! The sign-in page. Works as a plain HTML form before the WASM arrives; once
//! hydrated it submits without a page load and keeps what was typed.

use crate::{
    api::{SignIn, practice::get_practice_info},
    model::sign_in_notice,
    ui::components::{
        CsrfField, FormAlert, PasskeyButton, PasswordField, SubmitButton, TextField,
        UnavailableNotice, field_error, form_error, go_to,
    },
    ui::passkey::Prove,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignInPage() -> impl IntoView {
    // Blocking: the practice name is part of the first HTML, and the page's
    // status (503 when the database is down) is known before it is sent.
    let practice = Resource::new_blocking(|| (), |_| get_practice_info());
    let sign_in = ServerAction::<SignIn>::new();

    let field = move |name: &'static str| field_error(sign_in.value(), name);
    let form_message = form_error(sign_in.value());
    let query = use_query_map();
    let notice = move || {
        query.with(|q| {
            let after = q.get("after").and_then(|secs| secs.parse().ok());
            q.get("reason")
                .and_then(|reason| sign_in_notice(&reason, after))
        })
    };

    view! {
        <Title text="Sign in" />
        <section class="mx-auto max-w-md">
            <div class="rounded-xl border border-stone-200 bg-white p-8 shadow-sm">
                <h1 class="text-2xl font-semibold">"Sign in"</h1>
                <Suspense fallback=|| view! { <p class="mt-1 text-stone-600">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match practice.await {
                            Ok(info) => {
                                view! {
                                    <p class="mt-1 text-stone-600" data-testid="practice-name">
                                        {info.name.unwrap_or_else(|| "Cairn clinic portal".to_owned())}
                                    </p>
                                    {info.passkeys.then(|| view! {
                                        <div class="mt-6 border-b border-stone-200 pb-6">
                                            <PasskeyButton
                                                whom=Prove::Anyone
                                                label="Sign in with a passkey"
                                                then=move |_| go_to("/home")
                                            />
                                            <p class="mt-2 text-sm text-stone-600">"Or sign in with your email and password:"</p>
                                        </div>
                                    })}
                                }
                                    .into_any()
                            }
                            Err(error) => view! { <div class="mt-4"><UnavailableNotice error /></div> }.into_any(),
                        }
                    })}
                </Suspense>

                <div role="status">
                    {move || {
                        notice()
                            .map(|text| {
                                view! {
                                    <p class="mt-6 rounded-md border border-teal-300 bg-teal-50 p-3 text-sm text-teal-900">
                                        {text}
                                    </p>
                                }
                            })
                    }}
                </div>

                <ActionForm action=sign_in attr:class="mt-6 space-y-4" attr:novalidate=true>
                    <CsrfField />
                    <TextField
                        name="email"
                        label="Email"
                        input_type="email"
                        autocomplete="username"
                        error=field("email")
                    />
                    <PasswordField name="password" label="Password" error=field("password") />
                    <FormAlert message=form_message />
                    <SubmitButton pending=sign_in.pending() label="Sign in" busy="Signing in…" wide=true />
                </ActionForm>
            </div>
        </section>
    }
}
