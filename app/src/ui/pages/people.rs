//! People: invite someone (administrators: anyone; therapists: patients)
//! and, for administrators, manage accounts.

use crate::ui::components::style;
use crate::{
    api::{AccountAction, InvitePerson, ResetMfa, people::list_people},
    error::AppError,
    model::{PersonRow, Role, UserStatus, ago},
    ui::{
        components::{
            Confirm, CsrfField, FormAlert, LoadFailed, SelectField, StepUpForm, TextField,
            field_error, form_error, problem_besides_step_up,
        },
        visitor,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn PeoplePage() -> impl IntoView {
    let invite = ServerAction::<InvitePerson>::new();
    let act = ServerAction::<AccountAction>::new();
    let reset = ServerAction::<ResetMfa>::new();
    let people = Resource::new(
        move || {
            (
                invite.version().get(),
                act.version().get(),
                reset.version().get(),
            )
        },
        |_| list_people(),
    );
    let problem = Signal::derive(move || {
        problem_besides_step_up([
            act.value().get().and_then(Result::err),
            reset.value().get().and_then(Result::err),
        ])
    });
    let visitor = visitor();
    view! {
        <Title text="People" />
        <div class="space-y-10">
            <h1 class="text-2xl font-semibold">"People"</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let role = visitor.await.ok().and_then(|v| v.user).map(|u| u.role);
                    role.filter(|r| r.is_staff()).map(|role| view! { <InviteForm invite role /> })
                })}
            </Transition>
            <section aria-labelledby="people-heading" class="space-y-3">
                <h2 id="people-heading" class="text-lg font-semibold">"Accounts"</h2>
                <FormAlert message=problem />
                <ResetMfaProgress reset />
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        let admin = visitor.await.ok().and_then(|v| v.user).is_some_and(|u| u.role == Role::Admin);
                        match people.await {
                            Ok(list) if list.is_empty() => view! {
                                <p class="text-stone-600">"No one here yet. People you invite appear in this list."</p>
                            }.into_any(),
                            Ok(list) => view! { <PeopleTable list admin act reset /> }.into_any(),
                            Err(error) => view! { <LoadFailed error /> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
    }
}

#[component]
fn InviteForm(invite: ServerAction<InvitePerson>, role: Role) -> impl IntoView {
    let field = move |name: &'static str| field_error(invite.value(), name);
    let form_message = form_error(invite.value());
    let roles: &'static [Role] = if role == Role::Admin {
        Role::ALL
    } else {
        &[Role::Patient]
    };
    view! {
        <section aria-labelledby="invite-heading" class="max-w-md space-y-4">
            <h2 id="invite-heading" class="text-lg font-semibold">
                {if role == Role::Admin { "Invite someone" } else { "Invite a patient" }}
            </h2>
            <ActionForm action=invite attr:class="space-y-4" attr:novalidate=true>
                <CsrfField />
                <TextField name="display_name" label="Name" autocomplete="off" error=field("display_name") />
                <TextField name="email" label="Email" input_type="email" autocomplete="off" error=field("email") />
                <SelectField name="role" label="Role" error=field("role")>
                    {roles.iter().map(|r| view! { <option value=r.as_str() selected=*r == Role::Patient>{r.label()}</option> }).collect_view()}
                </SelectField>
                <FormAlert message=form_message />
                <button type="submit" class=style::PRIMARY_BUTTON>
                    "Create invitation"
                </button>
            </ActionForm>
            <div role="status">
                {move || invite.value().get().and_then(Result::ok).map(|link| view! {
                    <div class="space-y-2 rounded-md border border-teal-300 bg-teal-50 p-3 text-sm text-teal-900">
                        <p>{format!("Invitation for {} created. Send them this link; it works once, for {} hours.", link.display_name, link.valid_for_hours)}</p>
                        <label for="invitation-link" class="sr-only">"Invitation link"</label>
                        <input id="invitation-link" readonly value=link.url class="block w-full rounded border border-teal-300 bg-white px-2 py-1 font-mono text-xs" data-testid="invitation-link" />
                    </div>
                })}
            </div>
        </section>
    }
}

#[component]
fn PeopleTable(
    list: Vec<PersonRow>,
    admin: bool,
    act: ServerAction<AccountAction>,
    reset: ServerAction<ResetMfa>,
) -> impl IntoView {
    view! {
        <div class="overflow-x-auto rounded-xl border border-stone-200 bg-white">
            <table class="min-w-full text-sm">
                <thead class="bg-stone-50 text-left text-stone-700">
                    <tr>
                        <th scope="col" class="px-4 py-2">"Name"</th>
                        <th scope="col" class="px-4 py-2">"Email"</th>
                        <th scope="col" class="px-4 py-2">"Role"</th>
                        <th scope="col" class="px-4 py-2">"Status"</th>
                        <th scope="col" class="px-4 py-2">"Last sign-in"</th>
                        <th scope="col" class="px-4 py-2">"Sessions"</th>
                        <th scope="col" class="px-4 py-2">"Two-step"</th>
                        {admin.then(|| view! { <th scope="col" class="px-4 py-2">"Actions"</th> })}
                    </tr>
                </thead>
                <tbody class="divide-y divide-stone-200">
                    {list.into_iter().map(|p| {
                        let status = status_text(&p);
                        let last = p.last_signed_in_secs_ago.map_or_else(|| "Never".to_owned(), ago);
                        let actions = admin.then(|| actions_for(&p));
                        let id = p.id.to_string();
                        let name = p.display_name.clone();
                        let reset_label = format!("Reset two-step verification: {name}");
                        let reset_id = id.clone();
                        let can_reset = admin && p.mfa_on;
                        view! {
                            <tr>
                                <th scope="row" class="px-4 py-2 text-left font-medium">{p.display_name.clone()}</th>
                                <td class="px-4 py-2">{p.email.clone()}</td>
                                <td class="px-4 py-2">{p.role.label()}</td>
                                <td class="px-4 py-2">
                                    {status}
                                    {p.unused.then(|| view! {
                                        <span class="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-xs font-medium text-amber-900">"Unused"</span>
                                    })}
                                </td>
                                <td class="px-4 py-2">{last}</td>
                                <td class="px-4 py-2">{p.active_sessions}</td>
                                <td class="px-4 py-2">{if p.mfa_on { "On" } else { "Off" }}</td>
                                {actions.map(|actions| view! {
                                    <td class="flex flex-wrap gap-2 px-4 py-2">
                                        {actions.into_iter().map(|(action, label)| {
                                            let id = id.clone();
                                            // A button's name starts with the words it shows,
                                            // then whom it acts on.
                                            let whom = name.clone();
                                            let form = move |button: &'static str, class: &'static str| view! {
                                                <ActionForm action=act>
                                                    <CsrfField />
                                                    <input type="hidden" name="user_id" value=id.clone() />
                                                    <input type="hidden" name="action" value=action />
                                                    <button type="submit" aria-label=format!("{button}: {whom}") class=class>{button}</button>
                                                </ActionForm>
                                            };
                                            // Taking away someone's access asks first.
                                            if action == "deactivate" {
                                                let question = format!("Deactivate {name}? They are signed out at once and cannot sign in until an administrator reactivates them.");
                                                view! {
                                                    <Confirm label="Deactivate…" aria_label=format!("Deactivate: {name}") question>
                                                        {form("Yes, deactivate", "rounded-md bg-red-700 px-2 py-1 text-xs font-medium text-white hover:bg-red-800")}
                                                    </Confirm>
                                                }.into_any()
                                            } else {
                                                form(label, "rounded-md border border-stone-300 px-2 py-1 text-xs font-medium text-stone-700 hover:bg-stone-100").into_any()
                                            }
                                        }).collect_view()}
                                        // The access log, filtered to this person.
                                        <a href=format!("/admin/audit?actor={id}") aria-label=format!("Their actions: {name}") class="rounded-md px-2 py-1 text-xs font-medium text-teal-800 underline">"Their actions"</a>
                                        <a href=format!("/admin/audit?patient={id}") aria-label=format!("Actions on them: {name}") class="rounded-md px-2 py-1 text-xs font-medium text-teal-800 underline">"Actions on them"</a>
                                        {can_reset.then(|| view! {
                                            <ActionForm action=reset>
                                                <CsrfField />
                                                <input type="hidden" name="user_id" value=reset_id />
                                                <button type="submit" aria-label=reset_label class="rounded-md border border-stone-300 px-2 py-1 text-xs font-medium text-stone-700 hover:bg-stone-100">"Reset two-step"</button>
                                            </ActionForm>
                                        })}
                                    </td>
                                })}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// After "Reset two-step": the administrator's own code when the server
/// asks for one (then the reset carries on), and the outcome.
#[component]
fn ResetMfaProgress(reset: ServerAction<ResetMfa>) -> impl IntoView {
    // The account being reset, kept past the request so the reset can be
    // repeated once the administrator's code is in.
    let target = RwSignal::new(None::<uuid::Uuid>);
    Effect::new(move |_| {
        if let Some(input) = reset.input().get() {
            target.set(Some(input.user_id));
        }
    });
    let carry_on = move |csrf_token: String| {
        if let Some(user_id) = target.get_untracked() {
            reset.dispatch(ResetMfa {
                user_id,
                csrf_token,
            });
        }
    };
    view! {
        {move || match reset.value().get() {
            Some(Err(AppError::StepUpRequired)) => view! { <StepUpForm then=carry_on /> }.into_any(),
            Some(Ok(())) => view! {
                <p role="status" class="rounded-md border border-teal-300 bg-teal-50 p-3 text-sm text-teal-900">
                    "Two-step verification was reset and their sessions were ended. They will set it up again when they next sign in."
                </p>
            }.into_any(),
            _ => ().into_any(),
        }}
    }
}

/// The account's state in words; an invitation says how old it is.
fn status_text(person: &PersonRow) -> String {
    if person.locked {
        return "Locked".to_owned();
    }
    match (person.status, person.invitation) {
        (UserStatus::Invited, Some(sent)) if sent.expired => {
            format!("Invitation expired (sent {})", ago(sent.sent_secs_ago))
        }
        (UserStatus::Invited, Some(sent)) => format!("Invited {}", ago(sent.sent_secs_ago)),
        (UserStatus::Invited, None) => "Invited".to_owned(),
        (UserStatus::Active, _) => "Active".to_owned(),
        (UserStatus::Locked, _) => "Locked".to_owned(),
        (UserStatus::Deactivated, _) => "Deactivated".to_owned(),
    }
}

/// (action, button label) an administrator may take on `person`. Never
/// on themselves: their own access and sessions are on their Security
/// page (and the server refuses deactivating oneself regardless).
fn actions_for(person: &PersonRow) -> Vec<(&'static str, &'static str)> {
    let mut actions = Vec::new();
    if person.you {
        return actions;
    }
    if person.locked {
        actions.push(("unlock", "Unlock"));
    }
    if person.status == UserStatus::Deactivated {
        actions.push(("reactivate", "Reactivate"));
    } else {
        actions.push(("deactivate", "Deactivate"));
    }
    if person.active_sessions > 0 {
        actions.push(("end-sessions", "End sessions"));
    }
    actions
}
