//! One questionnaire, answered in the portal: the instrument's own words,
//! a fieldset of radio buttons per question (keyboard and screen reader
//! friendly, and a plain form before the page's script arrives). "Save
//! and finish later" keeps a half-finished one; "Send my answers" sends it.
//! A positive answer to the safety question shows where to get help at
//! once, on the page that answers the submission.

use crate::{
    api::{AnswerQuestionnaire, measures::get_my_questionnaire},
    model::measures::{
        Answered, DIFFICULTY, FREQUENCY, FUNCTIONAL_QUESTION, ITEM_FIELDS, Questionnaire,
    },
    ui::{
        components::{CsrfField, FormAlert, LoadFailed, field_error, form_error, style},
        pages::my_questionnaires::CrisisText,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

#[component]
pub fn QuestionnairePage() -> impl IntoView {
    let params = use_params_map();
    let id =
        Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok())));
    let questionnaire = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => get_my_questionnaire(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Questionnaire" />
        <div class="max-w-3xl space-y-6">
            <p class="text-sm text-stone-600"><a href="/me/questionnaires" class="underline">"Questionnaires"</a></p>
            <Suspense fallback=|| view! { <h1 class="text-2xl font-semibold">"Questionnaire"</h1> <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match questionnaire.await {
                        Ok(questionnaire) => view! { <Answering questionnaire /> }.into_any(),
                        Err(error) => view! { <h1 class="text-2xl font-semibold">"Questionnaire"</h1> <LoadFailed error /> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn Answering(questionnaire: Questionnaire) -> impl IntoView {
    let instrument = questionnaire.instrument;
    let answer = ServerAction::<AnswerQuestionnaire>::new();
    let last = answer.value();
    // Sent now, or sent before (a reload, or a form sent without script).
    let sent = questionnaire.sent.clone();
    let outcome = Memo::new(move |_| match last.get() {
        Some(Ok(Answered::Submitted { crisis, score })) => {
            Some(Answered::Submitted { crisis, score })
        }
        _ => sent.clone(),
    });
    let kept = move || matches!(last.get(), Some(Ok(Answered::Kept)));
    let form = questionnaire.clone();
    view! {
        <h1 class="text-2xl font-semibold">{format!("{} questionnaire", instrument.label())}</h1>
        {move || {
            let form = form.clone();
            match outcome.get() {
            Some(Answered::Submitted { crisis, score }) => view! { <Sent crisis score /> }.into_any(),
            _ => view! {
                <p class="text-stone-700">{format!("Due {}. It takes about two minutes. Your answers go to your care team only.", crate::model::day::readable(&form.due_on))}</p>
                <ActionForm action=answer attr:class="space-y-5" attr:novalidate=true attr:data-testid="questionnaire-form">
                    <CsrfField />
                    <input type="hidden" name="assignment_id" value=form.assignment_id.to_string() />
                    <p class="font-medium">{instrument.instructions()}</p>
                    {instrument.items().iter().enumerate().map(|(at, question)| {
                        let chosen = form.items.get(at).copied().flatten();
                        view! {
                            <Question
                                name=ITEM_FIELDS[at]
                                legend=format!("{}. {question}", at + 1)
                                choices=&FREQUENCY
                                chosen
                                error=field_error(last, ITEM_FIELDS[at])
                            />
                        }
                    }).collect_view()}
                    <Question
                        name="functional"
                        legend=FUNCTIONAL_QUESTION.to_owned()
                        choices=&DIFFICULTY
                        chosen=form.functional
                        error=field_error(last, "functional")
                    />
                    <FormAlert message=Signal::derive(move || field_error(last, "questionnaire").get().or_else(|| form_error(last).get())) />
                    <p role="status" class="text-sm font-medium text-teal-800" data-testid="kept">
                        {move || kept().then_some("Your answers are kept. Come back to finish them at any time before the next one is due.")}
                    </p>
                    <div class="flex flex-wrap gap-3">
                        <button type="submit" name="finish" value="yes" class=style::PRIMARY_BUTTON disabled=move || answer.pending().get()>
                            "Send my answers"
                        </button>
                        <button type="submit" name="finish" value="no" class=style::SECONDARY_BUTTON disabled=move || answer.pending().get()>
                            "Save and finish later"
                        </button>
                    </div>
                </ActionForm>
            }.into_any(),
        }}}
    }
}

/// One question: a fieldset whose legend is the question, a radio button
/// per answer, and its message when the last submission left it out.
#[component]
fn Question(
    name: &'static str,
    legend: String,
    choices: &'static [&'static str; 4],
    chosen: Option<u8>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let described_by = error_id.clone();
    view! {
        <fieldset
            class="space-y-2 rounded-xl border border-stone-200 bg-white p-4 data-[invalid=true]:border-red-600"
            data-invalid=move || error.get().is_some().to_string()
            aria-describedby=described_by
        >
            <legend class="px-1 font-medium">{legend}</legend>
            <div class="grid gap-2 sm:grid-cols-4">
                {choices.iter().enumerate().map(|(value, label)| {
                    let id = format!("{name}-{value}");
                    let label_for = id.clone();
                    let checked = chosen == u8::try_from(value).ok();
                    view! {
                        <label for=label_for class="flex min-h-11 cursor-pointer items-center gap-2 rounded-md border border-stone-200 px-3 py-2 text-sm has-[:checked]:border-teal-700 has-[:checked]:bg-teal-50">
                            <input id=id type="radio" name=name value=value.to_string() checked=checked class="h-4 w-4 accent-teal-700" />
                            {*label}
                        </label>
                    }
                }).collect_view()}
            </div>
            <p id=error_id class="min-h-5 text-sm text-red-800">{move || error.get()}</p>
        </fieldset>
    }
}

/// After sending: thanks, the score when the practice shows it, and when
/// the safety question was answered above "Not at all", where to get help
/// now.
#[component]
fn Sent(crisis: Option<String>, score: Option<u8>) -> impl IntoView {
    view! {
        {crisis.map(|text| view! {
            <section role="alert" aria-labelledby="crisis-heading" class="space-y-2 rounded-xl border-2 border-rose-700 bg-rose-50 p-4" data-testid="crisis">
                <h2 id="crisis-heading" class="text-lg font-semibold text-rose-950">"If you are thinking about hurting yourself, please reach out now"</h2>
                <p class="text-sm text-stone-800">"You told us you have had thoughts of being better off dead or of hurting yourself. You do not have to wait for your next session. Help is there right now:"</p>
                <CrisisText text />
                <p class="text-sm text-stone-800">"Your care team has been told that your answers need their attention. This portal is not watched around the clock, so please use the numbers above if you need someone now."</p>
            </section>
        })}
        <section class="space-y-2 rounded-xl border border-stone-200 bg-white p-4" data-testid="sent">
            <p class="font-medium">"Thank you. Your answers were sent to your care team."</p>
            {score.map(|score| view! { <p class="text-sm text-stone-700">{format!("Your score: {score}. Your therapist will go over it with you.")}</p> })}
            <a href="/me/questionnaires" class="text-sm text-teal-800 underline">"Back to your questionnaires"</a>
        </section>
    }
}
