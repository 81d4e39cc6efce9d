//! Security → Passkeys: add one (named for the device it is on), see when
//! each was last used, remove one. Adding and removing ask for a fresh
//! confirmation in place. Someone whose role must use a passkey is sent to
//! the setup page, which shows this section first.

use crate::ui::components::style;
use crate::{
    api::{RegenerateRecoveryCodes, RemovePasskey, passkeys::get_passkeys},
    error::AppError,
    model::{PasskeyOverview, PasskeySummary, RecoveryCodes, ago, passkey::NAME_MAX},
    ui::{
        components::{LoadFailed, StepUpForm, TextField, field_error},
        passkey, visitor,
    },
};
use leptos::prelude::*;

/// The passkeys part of the Security and setup pages. `fresh_codes` gets
/// the first recovery codes of someone who had none.
#[component]
pub fn PasskeysSection(#[prop(into)] fresh_codes: Callback<RecoveryCodes>) -> impl IntoView {
    let csrf = crate::ui::csrf_token();
    let visitor = visitor();
    // The name last asked for, to ask again after a step-up.
    let name = RwSignal::new(String::new());
    let form = NodeRef::<leptos::html::Form>::new();
    // Local: the browser's promises are not `Send`.
    // (name, CSRF token): after a step-up the session's new token comes
    // with the retry, before the page has re-read it.
    let add = Action::new_local(move |(name, token): &(String, String)| {
        let (name, token) = (name.clone(), token.clone());
        async move { passkey::add(name, token).await }
    });
    let remove = ServerAction::<RemovePasskey>::new();
    let removing = RwSignal::new(None::<uuid::Uuid>);
    let overview = Resource::new(
        move || (add.version().get(), remove.version().get()),
        |_| get_passkeys(),
    );
    Effect::new(move |_| {
        if let Some(Ok((_, codes))) = add.value().get() {
            // The session continues under a new id: forms need its token.
            visitor.refetch();
            if let Some(form) = form.get_untracked() {
                form.reset();
            }
            if let Some(codes) = codes {
                fresh_codes.run(codes);
            }
        }
    });
    let name_error = field_error(add.value(), "name");
    let add_problem = move || passkey::problem_with(add.value().get());
    let remove_problem = move || passkey::problem_with(remove.value().get());
    let remove_now = move |id: uuid::Uuid, csrf_token: String| {
        removing.set(Some(id));
        remove.dispatch(RemovePasskey { id, csrf_token });
    };
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let typed = event_target::<web_sys::HtmlFormElement>(&event);
        let typed = web_sys::FormData::new_with_form(&typed)
            .ok()
            .and_then(|data| data.get("name").as_string())
            .unwrap_or_default();
        name.set(typed.clone());
        add.dispatch((typed, csrf.get_untracked().unwrap_or_default()));
    };
    view! {
        <section aria-labelledby="passkeys-heading" class="space-y-4" data-testid="passkeys">
            <h2 id="passkeys-heading" class="text-lg font-semibold">"Passkeys"</h2>
            <Transition fallback=|| view! { <p>"Loading your passkeys…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(overview) if !overview.available => view! {
                            <p class="text-sm text-stone-600">"Passkeys are not available at this address of Cairn."</p>
                        }.into_any(),
                        Ok(overview) => {
                            let any = !overview.passkeys.is_empty();
                            view! {
                                <PasskeyList overview remove=remove_now />
                                {any.then(|| view! { <NewRecoveryCodes fresh_codes /> })}
                            }.into_any()
                        }
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
            <div role="alert">
                {move || remove_problem().map(|text| view! { <p class="text-sm text-red-900">{text}</p> })}
            </div>
            {move || matches!(remove.value().get(), Some(Err(AppError::StepUpRequired))).then(|| view! {
                <StepUpForm then=move |token: String| {
                    if let Some(id) = removing.get_untracked() {
                        remove_now(id, token);
                    }
                } />
            })}
            <form on:submit=on_submit node_ref=form class="max-w-sm space-y-3" novalidate>
                <TextField name="name" label="Name for a new passkey" autocomplete="off" error=name_error />
                <p class="text-xs text-stone-600">{format!("For example, the device it is on. At most {NAME_MAX} characters.")}</p>
                <button type="submit" class=style::PRIMARY_BUTTON disabled=move || add.pending().get()>
                    {move || if add.pending().get() { "Waiting for your device…" } else { "Add a passkey" }}
                </button>
                <div role="alert">
                    {move || add_problem().map(|text| view! { <p class="text-sm text-red-900">{text}</p> })}
                </div>
                <div role="status">
                    {move || matches!(add.value().get(), Some(Ok(_))).then(|| view! {
                        <p class="text-sm text-teal-900">
                            "Passkey added. You can now sign in with it. "
                            <a href="/home" class="underline">"Continue to Cairn"</a>
                        </p>
                    })}
                </div>
            </form>
            {move || matches!(add.value().get(), Some(Err(AppError::StepUpRequired))).then(|| view! {
                <StepUpForm then=move |token: String| {
                    add.dispatch((name.get_untracked(), token));
                } />
            })}
        </section>
    }
}

#[component]
fn PasskeyList(
    overview: PasskeyOverview,
    #[prop(into)] remove: Callback<(uuid::Uuid, String)>,
) -> impl IntoView {
    let csrf = crate::ui::csrf_token();
    let intro = if overview.required {
        "Your practice asks you to sign in with a passkey: your device's fingerprint, face or PIN proves it is you, and it cannot be tricked into working on a fake site."
    } else {
        "Sign in with your device's fingerprint, face or PIN instead of a code. A passkey works only on Cairn's own site, so it cannot be phished."
    };
    let rows = overview.passkeys;
    view! {
        <p class="text-sm text-stone-700">{intro}</p>
        {if rows.is_empty() {
            view! { <p class="text-sm text-stone-600" data-testid="no-passkeys">"You have no passkeys yet."</p> }.into_any()
        } else {
            view! {
                <ul class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white" data-testid="passkey-list">
                    {rows.into_iter().map(|key: PasskeySummary| {
                        let label = format!("Remove {}", key.name);
                        let used = key.used_secs_ago.map_or_else(|| "never used".to_owned(), |secs| format!("last used {}", ago(secs)));
                        view! {
                            <li class="flex flex-wrap items-center justify-between gap-3 px-4 py-3">
                                <div>
                                    <p class="font-medium">{key.name.clone()}</p>
                                    <p class="text-sm text-stone-600">{format!("Added {} · {used}", ago(key.added_secs_ago))}</p>
                                </div>
                                <button
                                    type="button"
                                    class=style::SECONDARY_BUTTON
                                    aria-label=label
                                    on:click=move |_| remove.run((key.id, csrf.get_untracked().unwrap_or_default()))
                                >
                                    "Remove"
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

/// New recovery codes for someone who signs in with a passkey (those with
/// an authenticator app also find this on its page). Needs step-up.
#[component]
fn NewRecoveryCodes(fresh_codes: Callback<RecoveryCodes>) -> impl IntoView {
    let regenerate = ServerAction::<RegenerateRecoveryCodes>::new();
    let csrf = crate::ui::csrf_token();
    Effect::new(move |_| {
        if let Some(Ok(codes)) = regenerate.value().get() {
            fresh_codes.run(codes);
        }
    });
    let again = move |csrf_token: String| {
        regenerate.dispatch(RegenerateRecoveryCodes { csrf_token });
    };
    view! {
        <div class="space-y-2">
            <p class="text-sm text-stone-600">"Recovery codes let you in if you lose your device. Used some, or lost them?"</p>
            <button
                type="button"
                class=style::SECONDARY_BUTTON
                on:click=move |_| again(csrf.get_untracked().unwrap_or_default())
            >
                "Make new recovery codes"
            </button>
            {move || matches!(regenerate.value().get(), Some(Err(AppError::StepUpRequired))).then(|| view! {
                <StepUpForm then=again />
            })}
        </div>
    }
}
