//! Administrators' retention page: the records whose retention has ended
//! (which may be erased), the records a legal hold keeps, and what is left
//! of the records erased. Each name shown is recorded in the trail;
//! erasing asks the patient's full name typed and a fresh second factor.

use crate::{
    api::{ChangeLegalHold, EraseRecord, retention::get_retention},
    error::AppError,
    model::{
        day::readable,
        retention::{ErasedRecord, ErasureRequestRow, RetentionRow},
    },
    ui::components::{
        CsrfField, FormAlert, LoadFailed, StepUpForm, TextAreaField, TextField, field_error,
        refresh_on_success, style,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

/// The patient the last submission of an action was about, so that only
/// that row shows its messages (one action serves every row).
pub(crate) fn last_patient<T: 'static>(
    input: impl Fn() -> Option<T> + 'static,
    id: fn(&T) -> Uuid,
) -> RwSignal<Option<Uuid>> {
    let last = RwSignal::new(None);
    Effect::new(move |_| {
        if let Some(input) = input() {
            last.set(Some(id(&input)));
        }
    });
    last
}

/// A message of `action`'s last answer for `field`, on `patient`'s row alone.
fn row_error<T: Clone + Send + Sync + 'static>(
    last: Signal<Option<Result<T, AppError>>>,
    asked: RwSignal<Option<Uuid>>,
    patient: Uuid,
    field: &'static str,
) -> Signal<Option<String>> {
    let error = field_error(last, field);
    Signal::derive(move || {
        (asked.get() == Some(patient))
            .then(|| error.get())
            .flatten()
    })
}

#[component]
pub fn RetentionPage() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let review = Resource::new(move || refresh.get(), |_| get_retention());
    // Above the list, so a refresh that rebuilds the rows keeps them.
    let hold = ServerAction::<ChangeLegalHold>::new();
    let erase = ServerAction::<EraseRecord>::new();
    refresh_on_success(hold.value(), refresh);
    refresh_on_success(erase.value(), refresh);
    let forms = Forms {
        hold,
        erase,
        hold_for: last_patient(move || hold.input().get(), |i| i.patient_id),
        erase_for: last_patient(move || erase.input().get(), |i| i.patient_id),
    };
    view! {
        <Title text="Retention" />
        <div class="space-y-6">
            <div class="space-y-1">
                <h1 class="text-2xl font-semibold">"Keeping and erasing records"</h1>
                <p class="text-stone-700">
                    "Records whose retention has ended, records a legal hold keeps, and records erased. Opening this page is recorded for each patient shown."
                </p>
            </div>
            <ErasedNotice erase />
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match review.await {
                        Ok(review) => view! {
                            <p class="text-sm text-stone-700" data-testid="retention-rule">
                                {format!("Records are kept {} years after their last activity; a minor's, {} years after they turn {}. ", review.years, review.years, review.age_of_majority)}
                                <a href="/admin/practice" class="text-teal-800 underline">"Change on the Practice page"</a>
                            </p>
                            <section aria-labelledby="due-heading" class="space-y-2">
                                <h2 id="due-heading" class="text-lg font-semibold">"Retention ended"</h2>
                                {if review.due.is_empty() {
                                    view! { <p class="rounded-xl border border-dashed border-stone-300 p-4 text-stone-600" data-testid="none-due">"No record has reached the end of its retention."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white" data-testid="due">
                                            {review.due.into_iter().map(|row| view! { <DueRow row forms /> }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                            <section aria-labelledby="held-heading" class="space-y-2">
                                <h2 id="held-heading" class="text-lg font-semibold">"Legal holds"</h2>
                                {if review.held.is_empty() {
                                    view! { <p class="text-stone-600">"No record is under a legal hold. Place one from a record's entry here or on the Patients page."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white" data-testid="held">
                                            {review.held.into_iter().map(|row| view! { <HeldRow row forms /> }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                            <RequestsList requests=review.requests />
                            <ErasedList erased=review.erased />
                        }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// The page's two actions, and whose row each last answered.
#[derive(Clone, Copy)]
struct Forms {
    hold: ServerAction<ChangeLegalHold>,
    erase: ServerAction<EraseRecord>,
    hold_for: RwSignal<Option<Uuid>>,
    erase_for: RwSignal<Option<Uuid>>,
}

/// "Erased." once an erasure went through, and the code it asks for when
/// the administrator's last one is not fresh (then it carries on).
#[component]
fn ErasedNotice(erase: ServerAction<EraseRecord>) -> impl IntoView {
    let asked = RwSignal::new(None::<EraseRecord>);
    Effect::new(move |_| {
        if let Some(input) = erase.input().get() {
            asked.set(Some(input));
        }
    });
    let carry_on = move |csrf_token: String| {
        if let Some(input) = asked.get_untracked() {
            erase.dispatch(EraseRecord {
                csrf_token,
                ..input
            });
        }
    };
    view! {
        {move || match erase.value().get() {
            Some(Err(AppError::StepUpRequired)) => view! { <StepUpForm then=carry_on /> }.into_any(),
            Some(Ok(())) => view! {
                <p role="status" class="rounded-md border border-teal-300 bg-teal-50 p-3 text-sm text-teal-900" data-testid="erased-notice">
                    "The record was erased: its keys are destroyed and its rows removed. Its tombstone is listed below."
                </p>
            }.into_any(),
            _ => ().into_any(),
        }}
    }
}

fn name_of(row: &RetentionRow) -> String {
    row.legal_name
        .clone()
        .unwrap_or_else(|| "Record unreadable — see the log".to_owned())
}

#[component]
fn DueRow(row: RetentionRow, forms: Forms) -> impl IntoView {
    let name = name_of(&row);
    let patient = row.patient_id;
    let kept = row.kept_until.as_deref().map(readable);
    let minor = row.minor;
    let confirm_id = format!("confirm-name-{patient}");
    let name_error = row_error(
        forms.erase.value().into(),
        forms.erase_for,
        patient,
        "confirm_name",
    );
    let refused = row_error(
        forms.erase.value().into(),
        forms.erase_for,
        patient,
        "erase",
    );
    // Anything else but a request for a fresh code (asked above the list).
    let other = Signal::derive(move || {
        (forms.erase_for.get() == Some(patient))
            .then(|| match forms.erase.value().get() {
                Some(Err(AppError::Invalid(_) | AppError::StepUpRequired))
                | Some(Ok(()))
                | None => None,
                Some(Err(error)) => Some(error.to_string()),
            })
            .flatten()
    });
    view! {
        <li class="space-y-2 px-4 py-3" data-testid="due-row">
            <div class="flex flex-wrap items-baseline gap-x-4 gap-y-1">
                <span class="font-medium" data-testid="due-name">{name.clone()}</span>
                <span class="text-sm text-stone-700">{format!("Last activity {}", readable(&row.last_activity))}</span>
                {kept.map(|kept| view! {
                    <span class="text-sm text-stone-700">{format!("Kept until {kept}{}", if minor { " (a minor's record)" } else { "" })}</span>
                })}
            </div>
            <HoldForm patient name=name.clone() lift=false action=forms.hold asked=forms.hold_for />
            {row.kept_until.is_some().then(|| view! {
                <details class="text-sm">
                    <summary class="cursor-pointer text-red-800 underline">{format!("Erase the record of {name}…")}</summary>
                    <ActionForm action=forms.erase attr:class="mt-2 max-w-md space-y-2" attr:novalidate=true>
                        <CsrfField />
                        <input type="hidden" name="patient_id" value=patient.to_string() />
                        <p class="text-stone-700">
                            "Erasing destroys the patient's encryption keys and removes every part of the record and their portal account. It cannot be undone. The access log keeps its entries, which hold no health information."
                        </p>
                        <TextField name="confirm_name" id=confirm_id label="Type the patient's full legal name to confirm" autocomplete="off" error=name_error />
                        <FormAlert message=refused />
                        <FormAlert message=other />
                        <button type="submit" class="rounded-md bg-red-700 px-4 py-2 font-medium text-white hover:bg-red-800 focus:outline-none focus:ring-2 focus:ring-red-600 focus:ring-offset-2">"Erase record"</button>
                    </ActionForm>
                </details>
            })}
        </li>
    }
}

#[component]
fn HeldRow(row: RetentionRow, forms: Forms) -> impl IntoView {
    let name = name_of(&row);
    view! {
        <li class="space-y-2 px-4 py-3" data-testid="held-row">
            <div class="flex flex-wrap items-baseline gap-x-4 gap-y-1">
                <span class="font-medium" data-testid="held-name">{name.clone()}</span>
                <span class="text-sm text-stone-700">{format!("Last activity {}", readable(&row.last_activity))}</span>
            </div>
            {row.hold.map(|hold| view! {
                <p class="text-sm text-stone-700">
                    {format!("Held since {} by {}: ", readable(&hold.placed_on), hold.placed_by)}
                    <span class="whitespace-pre-line" data-testid="hold-reason">{hold.reason}</span>
                </p>
            })}
            <HoldForm patient=row.patient_id name lift=true action=forms.hold asked=forms.hold_for />
        </li>
    }
}

/// Places (or lifts) a legal hold on one record, with the reason.
/// `asked` says whose row `action` last answered.
#[component]
pub fn HoldForm(
    patient: Uuid,
    name: String,
    lift: bool,
    action: ServerAction<ChangeLegalHold>,
    asked: RwSignal<Option<Uuid>>,
) -> impl IntoView {
    let reason_id = format!("hold-reason-{patient}-{lift}");
    let reason_error = row_error(action.value().into(), asked, patient, "reason");
    let other = Signal::derive(move || {
        (asked.get() == Some(patient))
            .then(|| match action.value().get() {
                Some(Err(AppError::Invalid(_))) | Some(Ok(())) | None => None,
                Some(Err(error)) => Some(error.to_string()),
            })
            .flatten()
    });
    let summary = if lift {
        format!("Lift the legal hold on {name}…")
    } else {
        format!("Place a legal hold on {name}…")
    };
    let (label, hint, button) = if lift {
        (
            "Why the hold ends",
            "For example, the case it answered has closed.",
            "Lift hold",
        )
    } else {
        (
            "Why the record must be kept",
            "The case, request or investigation it answers. Only administrators read it.",
            "Place hold",
        )
    };
    view! {
        <details class="text-sm">
            <summary class="cursor-pointer text-teal-800 underline">{summary}</summary>
            <ActionForm action attr:class="mt-2 max-w-md space-y-2" attr:novalidate=true>
                <CsrfField />
                <input type="hidden" name="patient_id" value=patient.to_string() />
                {lift.then(|| view! { <input type="hidden" name="lift" value="true" /> })}
                <TextAreaField name="reason" id=reason_id label hint rows=2 error=reason_error />
                <FormAlert message=other />
                <button type="submit" class=style::SECONDARY_BUTTON>{button}</button>
            </ActionForm>
        </details>
    }
}

#[component]
fn ErasedList(erased: Vec<ErasedRecord>) -> impl IntoView {
    view! {
        <section aria-labelledby="erased-heading" class="space-y-2">
            <h2 id="erased-heading" class="text-lg font-semibold">"Erased records"</h2>
            {if erased.is_empty() {
                view! { <p class="text-stone-600">"No record has been erased."</p> }.into_any()
            } else {
                view! {
                    <div class="overflow-x-auto rounded-xl border border-stone-200 bg-white">
                        <table class="w-full text-left text-sm" data-testid="erased">
                            <caption class="sr-only">"What is left of each erased record"</caption>
                            <thead class="bg-stone-50 text-stone-700">
                                <tr>
                                    <th scope="col" class="px-3 py-2">"Record"</th>
                                    <th scope="col" class="px-3 py-2">"Created"</th>
                                    <th scope="col" class="px-3 py-2">"Last activity"</th>
                                    <th scope="col" class="px-3 py-2">"Kept until"</th>
                                    <th scope="col" class="px-3 py-2">"Erased"</th>
                                    <th scope="col" class="px-3 py-2">"By"</th>
                                </tr>
                            </thead>
                            <tbody class="divide-y divide-stone-200">
                                {erased.into_iter().map(|e| view! {
                                    <tr>
                                        <td class="px-3 py-2 font-mono text-xs">{e.patient_id.to_string()}</td>
                                        <td class="px-3 py-2">{readable(&e.created_on)}</td>
                                        <td class="px-3 py-2">{readable(&e.last_activity)}</td>
                                        <td class="px-3 py-2">{readable(&e.kept_until)}</td>
                                        <td class="px-3 py-2">{readable(&e.erased_on)}</td>
                                        <td class="px-3 py-2">{e.erased_by.unwrap_or_else(|| "The operator's command".to_owned())}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// Patients who asked for their record to be erased, and when that is
/// possible.
#[component]
fn RequestsList(requests: Vec<ErasureRequestRow>) -> impl IntoView {
    view! {
        <section aria-labelledby="requests-heading" class="space-y-2">
            <h2 id="requests-heading" class="text-lg font-semibold">"Requests to erase"</h2>
            {if requests.is_empty() {
                view! { <p class="text-stone-600">"No patient has asked for their record to be erased."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white" data-testid="erasure-requests">
                        {requests.into_iter().map(|row| {
                            let answer = row.answer;
                            let when = if answer.held {
                                "kept under a legal hold".to_owned()
                            } else if answer.possible_now {
                                "may be erased now (listed above)".to_owned()
                            } else {
                                format!("may be erased from {}", readable(&answer.possible_on))
                            };
                            view! {
                                <li class="flex flex-wrap gap-x-4 px-4 py-3 text-sm">
                                    <span class="font-medium">{row.legal_name.unwrap_or_else(|| "Record unreadable — see the log".to_owned())}</span>
                                    <span>{format!("Asked {}", readable(&answer.requested_on))}</span>
                                    <span>{when}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
