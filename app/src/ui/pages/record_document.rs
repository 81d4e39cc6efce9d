//! A copy of a patient's record as a document to read, print or save as
//! PDF: the practice and the date first, then every section in the order a
//! reader looks for it. The page around it (`record_copy`) makes the copy.

use crate::{
    model::{
        amendment::{Amendment, ItemKind},
        chart::DiagnosisStatus,
        details::{InsurancePolicy, Subscriber},
        record::{CopiedNote, RecordCopy},
    },
    ui::{
        components::{DetailsList, Terms},
        pages::{disclosures::Part2Notice, safety_plan::SafetySteps},
    },
};
use leptos::prelude::*;

#[component]
pub fn RecordDocument(copy: RecordCopy) -> impl IntoView {
    let me = copy.patient.clone();
    let identity = vec![
        ("Legal name", me.legal_name.clone()),
        (
            "Date of birth",
            crate::model::day::readable(&me.date_of_birth),
        ),
        (
            "Email",
            me.email.clone().unwrap_or_else(|| "Not given".to_owned()),
        ),
        (
            "Phone",
            me.phone.clone().unwrap_or_else(|| "Not given".to_owned()),
        ),
    ];
    let about_details = copy.amendments_about(ItemKind::Details, None);
    let about_diagnoses = copy.amendments_about(ItemKind::Diagnosis, None);
    let about_plan = copy.amendments_about(ItemKind::Plan, None);
    let notes: Vec<(CopiedNote, Vec<Amendment>)> = copy
        .notes
        .iter()
        .map(|note| {
            (
                note.clone(),
                copy.amendments_about(ItemKind::Note, Some(note.id)),
            )
        })
        .collect();
    view! {
        <article class="space-y-8 print:space-y-6" data-testid="record-document">
            <header class="space-y-1 border-b border-stone-300 pb-4">
                <p class="text-sm uppercase tracking-wide text-stone-600">{copy.practice.clone()}</p>
                <h2 class="text-2xl font-semibold">{format!("Health record of {}", me.legal_name)}</h2>
                <p class="text-sm text-stone-700">{format!("Copy made {}. Psychotherapy notes are kept apart from the record and are not part of this copy.", copy.made_at)}</p>
                {(copy.sud_withheld > 0).then(|| view! {
                    <p class="text-sm text-stone-700" data-testid="sud-withheld">
                        {format!("{} note{} of substance-use counseling {} not part of this copy: federal rules (42 CFR Part 2) let them leave the practice only with the patient's consent to disclose them, and none is in force.",
                            copy.sud_withheld, if copy.sud_withheld == 1 { "" } else { "s" }, if copy.sud_withheld == 1 { "is" } else { "are" })}
                    </p>
                })}
                {copy.part2_notice.then(|| view! { <Part2Notice /> })}
                {(!copy.warnings.is_empty()).then(|| view! {
                    <div role="alert" class="print:hidden">
                        <ul class="text-sm font-medium text-red-800" data-testid="copy-warnings">
                            {copy.warnings.iter().map(|w| view! { <li>{w.label()}</li> }).collect_view()}
                        </ul>
                    </div>
                })}
            </header>
            <Section title="Who you are" id="identity">
                <Terms rows=identity testid="record-identity" />
                <DetailsList details=me.details.clone() />
                <Amendments list=about_details />
            </Section>
            <Section title="Insurance" id="insurance">
                {empty_or(copy.insurance.is_empty(), "No insurance on record.", || view! {
                    <ul class="space-y-2">
                        {copy.insurance.iter().map(policy_line).map(|line| view! { <li>{line}</li> }).collect_view()}
                    </ul>
                })}
            </Section>
            <Section title="Diagnoses" id="diagnoses">
                {empty_or(copy.diagnoses.is_empty(), "No diagnoses on record.", || view! {
                    <ul class="space-y-2">
                        {copy.diagnoses.iter().map(|d| {
                            let when = match (&d.status, &d.resolved_date) {
                                (DiagnosisStatus::Resolved, Some(resolved)) => format!("since {}, resolved {}", d.onset_date, resolved),
                                _ => format!("since {}", d.onset_date),
                            };
                            view! { <li><span class="font-mono">{d.code.clone()}</span>" "{d.description.clone()}<span class="text-stone-600">{format!(" — {when}; recorded by {}", d.recorded_by)}</span></li> }
                        }).collect_view()}
                    </ul>
                })}
                <Amendments list=about_diagnoses />
            </Section>
            <Section title="Treatment plan" id="treatment-plan">
                {match copy.treatment_plan.clone() {
                    None => view! { <p class="text-stone-600">"No treatment plan yet."</p> }.into_any(),
                    Some(plan) => view! {
                        <Listed title="Goals" items=plan.goals.clone() />
                        <Listed title="Objectives" items=plan.objectives.clone() />
                        <Listed title="Interventions" items=plan.interventions.clone() />
                        <p class="text-sm text-stone-600">{format!("Next review {}. Last changed by {} on {}.", plan.review_date, plan.updated_by, plan.updated_at)}</p>
                    }.into_any(),
                }}
                <Amendments list=about_plan />
            </Section>
            <Section title="Safety plan" id="safety-plan">
                {match copy.safety_plan.clone() {
                    None => view! { <p class="text-stone-600">"No safety plan yet."</p> }.into_any(),
                    Some(plan) => view! { <SafetySteps plan /> }.into_any(),
                }}
            </Section>
            <Section title="Questionnaires" id="questionnaires">
                {empty_or(copy.measures.iter().all(|t| t.points.is_empty()), "No questionnaires answered.", || view! {
                    <ul class="space-y-1">
                        {copy.measures.iter().flat_map(|trend| trend.points.iter().map(move |point| {
                            format!("{} on {}: total score {}", trend.instrument.label(), point.on, point.total)
                        })).map(|line| view! { <li>{line}</li> }).collect_view()}
                    </ul>
                })}
            </Section>
            <Section title="Session notes" id="notes">
                {empty_or(notes.is_empty(), "No signed notes yet.", || view! {
                    <div class="space-y-6">
                        {notes.into_iter().map(|(note, amendments)| view! { <Note note amendments /> }).collect_view()}
                    </div>
                })}
            </Section>
        </article>
    }
}

#[component]
fn Section(title: &'static str, id: &'static str, children: Children) -> impl IntoView {
    view! {
        <section aria-labelledby=id class="space-y-3 break-inside-avoid-page">
            <h3 id=id class="text-lg font-semibold">{title}</h3>
            {children()}
        </section>
    }
}

#[component]
fn Listed(title: &'static str, items: Vec<String>) -> impl IntoView {
    (!items.is_empty()).then(|| view! {
        <div>
            <h4 class="font-medium">{title}</h4>
            <ul class="list-disc pl-5">{items.into_iter().map(|item| view! { <li>{item}</li> }).collect_view()}</ul>
        </div>
    })
}

/// The amendments asked for about an item, each with what became of it
/// and any statement of disagreement: they travel with the item.
#[component]
fn Amendments(list: Vec<Amendment>) -> impl IntoView {
    (!list.is_empty()).then(|| {
        view! {
            <div class="space-y-2" data-testid="copy-amendments">
                {list.into_iter().map(|amendment| view! {
                    <div class="border-l-4 border-sky-300 pl-3">
                        <p class="whitespace-pre-line text-sm">{amendment.text()}</p>
                    </div>
                }).collect_view()}
            </div>
        }
    })
}

#[component]
fn Note(note: CopiedNote, amendments: Vec<Amendment>) -> impl IntoView {
    view! {
        <div class="space-y-2 rounded-xl border border-stone-200 bg-white p-4 print:border-stone-400">
            <h4 class="font-semibold">{format!("Session of {} — {} note", note.session_date, note.template.label())}</h4>
            <p class="text-sm text-stone-600">{format!("Written by {}, signed {}", note.author, note.signed_at)}</p>
            {note.sections.into_iter().map(|(heading, text)| view! {
                <div>
                    <h5 class="text-sm font-medium text-stone-700">{heading}</h5>
                    <p class="whitespace-pre-line">{text}</p>
                </div>
            }).collect_view()}
            {note.addenda.into_iter().map(|addendum| view! {
                <div class="border-l-4 border-amber-300 pl-3">
                    <h5 class="text-sm font-medium text-stone-700">{format!("Addendum by {}, {}", addendum.author, addendum.written_at)}</h5>
                    <p class="whitespace-pre-line">{addendum.text}</p>
                </div>
            }).collect_view()}
            <Amendments list=amendments />
        </div>
    }
}

/// `empty` in a sentence when there is nothing, else what `full` shows.
fn empty_or<V: IntoView + 'static>(
    nothing: bool,
    empty: &'static str,
    full: impl FnOnce() -> V,
) -> AnyView {
    if nothing {
        view! { <p class="text-stone-600">{empty}</p> }.into_any()
    } else {
        full().into_any()
    }
}

/// A policy on one line: payer, member id, group, whose, dates, standing.
fn policy_line(policy: &InsurancePolicy) -> String {
    let mut parts = vec![format!("{}, member ID {}", policy.payer, policy.member_id)];
    if let Some(group) = &policy.group_number {
        parts.push(format!("group {group}"));
    }
    if let Subscriber::Other {
        name,
        date_of_birth,
    } = &policy.subscriber
    {
        parts.push(format!("held by {name} (born {date_of_birth})"));
    }
    match (&policy.effective_from, &policy.effective_to) {
        (Some(from), Some(to)) => parts.push(format!("{from} to {to}")),
        (Some(from), None) => parts.push(format!("from {from}")),
        (None, Some(to)) => parts.push(format!("until {to}")),
        (None, None) => {}
    }
    parts.push(
        match (policy.primary, policy.in_use) {
            (true, _) => "primary",
            (false, true) => "in use",
            (false, false) => "ended",
        }
        .to_owned(),
    );
    parts.join("; ")
}
