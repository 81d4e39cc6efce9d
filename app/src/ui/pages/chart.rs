//! A patient's chart (therapists on the care team): an overview of who
//! they are and who treats them, their notes, treatment and safety plans,
//! diagnoses and questionnaires. Opened in an emergency, or while a
//! questionnaire's safety question waits for a clinician, the overview
//! starts with the safety plan. The tab is in the URL
//! (`?tab=notes`), so each is a link that works before the WASM arrives.
//! Opening the chart is recorded in the trail before anything is shown.

use crate::{
    api::{SaveDetails, SaveSafetyPlan, SaveTreatmentPlan, chart::get_chart},
    model::{
        amendment::AmendmentsWaiting,
        chart::{Chart, NoteKind, NoteStatus, NoteSummary},
        counted,
        measures::ChartMeasures,
    },
    ui::{
        components::{
            CsrfField, DetailsFields, DetailsList, FormAlert, LoadFailed, ScoreTrend, SubmitButton,
            Terms, contact_line, form_error, refresh_on_success, style,
        },
        pages::{
            diagnoses::DiagnosesTab,
            insurance::InsuranceSection,
            measures_tab::MeasuresTab,
            safety_plan::{SafetyPlanTab, SafetySteps},
            treatment_plan::TreatmentPlanTab,
        },
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Overview,
    Notes,
    Plan,
    Safety,
    Diagnoses,
    Measures,
}

impl Tab {
    const ALL: [(Tab, &'static str, &'static str); 6] = [
        (Tab::Overview, "overview", "Overview"),
        (Tab::Notes, "notes", "Notes"),
        (Tab::Plan, "plan", "Treatment plan"),
        (Tab::Safety, "safety", "Safety plan"),
        (Tab::Diagnoses, "diagnoses", "Diagnoses"),
        (Tab::Measures, "measures", "Questionnaires"),
    ];

    fn from_query(value: Option<String>) -> Tab {
        Tab::ALL
            .iter()
            .find(|(_, key, _)| Some(*key) == value.as_deref())
            .map_or(Tab::Overview, |(tab, ..)| *tab)
    }
}

#[component]
pub fn ChartPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let patient =
        Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok())));
    let tab = Memo::new(move |_| Tab::from_query(query.with(|q| q.get("tab"))));
    // Bumped by a tab's form after a change: the chart is read again.
    let refresh = RwSignal::new(0u32);
    // Saving the plan outlives the view it rebuilds, so the rebuilt tab
    // can say it was saved.
    let saves = Saves {
        plan: ServerAction::new(),
        safety: ServerAction::new(),
        details: ServerAction::new(),
    };
    refresh_on_success(saves.details.value(), refresh);
    refresh_on_success(saves.plan.value(), refresh);
    refresh_on_success(saves.safety.value(), refresh);
    let chart = Resource::new(
        move || (patient.get(), refresh.get()),
        |(patient, _)| async move {
            match patient {
                Some(id) => get_chart(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Chart" />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                // Switching tabs changes only the query: the chart is not
                // read again, the view follows the tab.
                let tab = tab.get();
                Suspend::new(async move {
                    match chart.await {
                        Ok(chart) => view! { <ChartView chart tab refresh saves /> }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// "2 amendment requests wait for a decision, the first due by 4 Feb 2027."
pub fn amendments_line(waiting: &AmendmentsWaiting) -> String {
    let due = crate::model::day::readable(&waiting.due_on);
    let when = if waiting.overdue {
        format!("was due {due}")
    } else {
        format!("due by {due}")
    };
    match waiting.count {
        1 => format!("1 amendment request waits for a decision, {when}."),
        n => format!("{n} amendment requests wait for a decision, the first {when}."),
    }
}

/// The saves that outlive the tab they rebuild, so the rebuilt tab can
/// say it saved.
#[derive(Clone, Copy)]
struct Saves {
    plan: ServerAction<SaveTreatmentPlan>,
    safety: ServerAction<SaveSafetyPlan>,
    details: ServerAction<SaveDetails>,
}

#[component]
fn ChartView(chart: Chart, tab: Tab, refresh: RwSignal<u32>, saves: Saves) -> impl IntoView {
    let base = format!("/patients/{}", chart.patient_id);
    view! {
        <Title text=chart.legal_name.clone() />
        <div class="space-y-6">
            <header class="space-y-1">
                <p class="text-sm text-stone-600"><a href="/caseload" class="underline">"Caseload"</a></p>
                <h1 class="text-2xl font-semibold" data-testid="chart-name">{chart.legal_name.clone()}</h1>
                {goes_by(&chart).map(|line| view! { <p class="font-medium text-stone-800" data-testid="chart-goes-by">{line}</p> })}
                <p class="text-stone-700">{format!("Born {}", crate::model::day::readable(&chart.date_of_birth))}</p>
                {chart.emergency_until.is_none().then(|| view! {
                    <p class="flex flex-wrap gap-x-4 text-sm">
                        <a href=format!("{base}/record") class="text-teal-800 underline">"Copy of the record"</a>
                        <a href=format!("{base}/disclosures") class="text-teal-800 underline">"Disclosures"</a>
                        <a href=format!("{base}/consents") class="text-teal-800 underline">"Consents"</a>
                        <a href=format!("{base}/amendments") class="text-teal-800 underline">"Amendment requests"</a>
                    </p>
                    <super::correct_identity::CorrectIdentityForm patient_id=chart.patient_id refresh />
                })}
                <ConsentsInForce consents=chart.consents.clone() />
            </header>
            {chart.emergency_until.clone().map(|until| view! {
                <p role="status" class="rounded-md border border-red-300 bg-red-50 p-3 text-sm font-medium text-red-950" data-testid="emergency-banner">
                    {format!("Emergency access until {until}. Every view is recorded as emergency access, and administrators have been alerted and can read your reason.")}
                </p>
            })}
            {chart.amendments.clone().filter(|_| chart.emergency_until.is_none()).map(|waiting| view! {
                <p role="status" class=if waiting.overdue { "rounded-md border-2 border-red-700 bg-red-50 p-3 text-sm font-medium text-red-950" } else { "rounded-md border border-amber-400 bg-amber-50 p-3 text-sm font-medium text-amber-950" } data-testid="amendments-banner">
                    {format!("The patient asked for a correction of their record. {}", amendments_line(&waiting))}
                    " "
                    <a href=format!("{base}/amendments") class="underline">"Decide"</a>
                </p>
            })}
            {(!chart.measures.to_review().is_empty() && tab != Tab::Measures).then(|| view! {
                <p role="status" class="rounded-md border-2 border-rose-700 bg-rose-50 p-3 text-sm font-medium text-rose-950" data-testid="review-banner">
                    "A questionnaire's safety question was answered above \"Not at all\" and waits for a clinician. "
                    <a href=format!("{base}?tab=measures") class="underline">"Review it"</a>
                    " · "
                    <a href=format!("{base}?tab=safety") class="underline">"Safety plan"</a>
                </p>
            })}
            <nav aria-label="Chart sections" class="border-b border-stone-200">
                <ul class="-mb-px flex flex-wrap gap-x-4 gap-y-1 text-sm font-medium">
                    {Tab::ALL.iter().map(|(this, key, label)| {
                        let current = *this == tab;
                        view! {
                            <li>
                                <a
                                    href=format!("{base}?tab={key}")
                                    aria-current=current.then_some("page")
                                    class=if current { "inline-block border-b-2 border-teal-700 px-1 pb-2 text-teal-900" } else { "inline-block border-b-2 border-transparent px-1 pb-2 text-stone-600 hover:text-stone-900" }
                                >
                                    {*label}
                                </a>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </nav>
            {match tab {
                Tab::Overview => view! { <Overview chart save=saves.details refresh /> }.into_any(),
                Tab::Notes => view! { <Notes patient_id=chart.patient_id notes=chart.notes measures=chart.measures /> }.into_any(),
                Tab::Plan => view! { <TreatmentPlanTab patient_id=chart.patient_id plan=chart.plan save=saves.plan /> }.into_any(),
                Tab::Safety => view! { <SafetyPlanTab patient_id=chart.patient_id plan=chart.safety_plan save=saves.safety /> }.into_any(),
                Tab::Diagnoses => view! { <DiagnosesTab patient_id=chart.patient_id diagnoses=chart.diagnoses refresh /> }.into_any(),
                Tab::Measures => view! { <MeasuresTab patient_id=chart.patient_id measures=chart.measures refresh /> }.into_any(),
            }}
        </div>
    }
}

/// How the patient asks to be addressed, beside the legal name the
/// heading shows ("Goes by Ave · they/them"), when they said.
fn goes_by(chart: &Chart) -> Option<String> {
    crate::model::details::goes_by(
        chart.details.preferred_name.as_deref(),
        chart.details.pronouns.as_deref(),
    )
}

#[component]
fn Overview(
    chart: Chart,
    save: ServerAction<SaveDetails>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let not_given = || "Not given".to_owned();
    let team = if chart.care_team.is_empty() {
        "No one yet".to_owned()
    } else {
        chart.care_team.join(", ")
    };
    let drafts = chart
        .notes
        .iter()
        .filter(|n| n.status == NoteStatus::Draft)
        .count();
    let active: Vec<String> = chart
        .diagnoses
        .iter()
        .filter(|d| d.status == crate::model::chart::DiagnosisStatus::Active)
        .map(|d| format!("{} {}", d.code, d.description))
        .collect();
    let diagnoses = if active.is_empty() {
        "None active".to_owned()
    } else {
        active.join("; ")
    };
    let review = chart.plan.as_ref().map_or_else(
        || "No plan yet".to_owned(),
        |p| format!("Review due {}", crate::model::day::readable(&p.review_date)),
    );
    let questionnaires = if chart.measures.assignments.is_empty() {
        "None assigned".to_owned()
    } else {
        chart
            .measures
            .assignments
            .iter()
            .map(|a| {
                format!(
                    "{} ({})",
                    a.instrument.label(),
                    a.schedule.label().to_lowercase()
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let trends = chart.measures.trends.clone();
    // In a crisis the plan comes before everything else on the chart.
    let safety_first = chart.emergency_until.is_some() || !chart.measures.to_review().is_empty();
    let contact = chart.details.emergency_contact.clone();
    let safety_first = safety_first.then(|| view! { <SafetyFirst patient_id=chart.patient_id plan=chart.safety_plan.clone() contact /> });
    let details = chart.details.clone();
    let patient_id = chart.patient_id;
    let policies = chart.insurance.clone();
    let rows = vec![
        ("Legal name", chart.legal_name.clone()),
        (
            "Date of birth",
            crate::model::day::readable(&chart.date_of_birth),
        ),
        ("Email", chart.email.clone().unwrap_or_else(not_given)),
        ("Phone", chart.phone.clone().unwrap_or_else(not_given)),
        ("Care team", team),
        ("Notes", format!("{} ({drafts} drafts)", chart.notes.len())),
        ("Active diagnoses", diagnoses),
        ("Treatment plan", review),
        ("Questionnaires", questionnaires),
    ];
    view! {
        {safety_first}
        <Terms rows testid="chart-overview" />
        <DetailsSection patient_id details save />
        <InsuranceSection patient_id policies refresh />
        {(!trends.is_empty()).then(|| view! {
            <section aria-labelledby="overview-scores" class="mt-6 space-y-3">
                <h2 id="overview-scores" class="text-lg font-semibold">"Scores over time"</h2>
                <div class="grid gap-4 lg:grid-cols-2">
                    {trends.into_iter().map(|trend| view! { <ScoreTrend trend /> }).collect_view()}
                </div>
            </section>
        })}
    }
}

/// The safety plan at the top of the overview, or plainly that there is
/// none, with the way to write one.
#[component]
fn SafetyFirst(
    patient_id: Uuid,
    plan: Option<crate::model::safety_plan::SafetyPlan>,
    contact: Option<crate::model::details::EmergencyContact>,
) -> impl IntoView {
    let contact = contact
        .as_ref()
        .map_or_else(|| "None on the chart".to_owned(), contact_line);
    view! {
        <section aria-labelledby="safety-first" class="mb-6 space-y-3 rounded-xl border-2 border-rose-700 bg-rose-50 p-4" data-testid="safety-first">
            <p data-testid="emergency-contact"><span class="font-semibold">"Emergency contact: "</span>{contact}</p>
            <h2 id="safety-first" class="text-lg font-semibold">"Safety plan"</h2>
            {match plan {
                Some(plan) => view! { <SafetySteps plan /> }.into_any(),
                None => view! {
                    <p>
                        "There is no safety plan on this chart. "
                        <a href=format!("/patients/{patient_id}?tab=safety") class="underline">"Write one with the patient"</a>
                    </p>
                }.into_any(),
            }}
        </section>
    }
}

/// The patient's further details, and the form that edits them (every
/// detail: the care team's).
#[component]
fn DetailsSection(
    patient_id: Uuid,
    details: crate::model::details::PatientDetails,
    save: ServerAction<SaveDetails>,
) -> impl IntoView {
    let last = save.value();
    let saved = move || matches!(last.get(), Some(Ok(())));
    view! {
        <section aria-labelledby="details-heading" class="mt-6 space-y-3">
            <h2 id="details-heading" class="text-lg font-semibold">"Details"</h2>
            <p role="status" class="text-sm font-medium text-teal-800" data-testid="details-saved">{move || saved().then_some("Details saved.")}</p>
            <DetailsList details=details.clone() />
            <details class="rounded-xl border border-stone-200 bg-white p-4">
                <summary class="cursor-pointer font-medium text-teal-800">"Edit details"</summary>
                <ActionForm action=save attr:class="mt-3 space-y-4" attr:novalidate=true attr:data-testid="details-form">
                    <CsrfField />
                    <input type="hidden" name="patient_id" value=patient_id.to_string() />
                    <DetailsFields details last care_team=true />
                    <FormAlert message=form_error(last) />
                    <SubmitButton pending=save.pending() label="Save details" busy="Saving…" />
                </ActionForm>
            </details>
        </section>
    }
}

#[component]
fn Notes(patient_id: Uuid, notes: Vec<NoteSummary>, measures: ChartMeasures) -> impl IntoView {
    let new_note = format!("/patients/{patient_id}/notes/new");
    view! {
        <section aria-labelledby="notes-heading" class="space-y-4">
            <div class="flex items-center justify-between">
                <h2 id="notes-heading" class="text-lg font-semibold">"Notes"</h2>
                <a href=new_note class=style::PRIMARY_BUTTON>"New note"</a>
            </div>
            {if notes.is_empty() {
                view! {
                    <p class="rounded-xl border border-dashed border-stone-300 p-6 text-center text-stone-600">
                        "No notes yet. Notes you write appear here, newest session first."
                    </p>
                }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white" data-testid="notes">
                        {notes.iter().enumerate().map(|(at, note)| {
                            // Newest first: the session before is the next one down.
                            let since = notes.get(at + 1).map(|n| n.session_date.clone());
                            let scores = scores_before(&measures, since.as_deref(), &note.session_date);
                            view! { <NoteItem note=note.clone() scores /> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// The scores answered after the session `since` (if any) and on or before
/// `session`: the questionnaires that preceded it, as "PHQ-9 14".
fn scores_before(measures: &ChartMeasures, since: Option<&str>, session: &str) -> Vec<String> {
    measures
        .trends
        .iter()
        .flat_map(|trend| {
            trend
                .points
                .iter()
                .filter(|p| p.on.as_str() <= session && since.is_none_or(|s| p.on.as_str() > s))
                .map(|p| format!("{} {}", trend.instrument.label(), p.total))
        })
        .collect()
}

#[component]
fn NoteItem(note: NoteSummary, scores: Vec<String>) -> impl IntoView {
    let (badge, class) = match note.status {
        NoteStatus::Draft => ("Draft", "bg-amber-100 text-amber-900"),
        NoteStatus::Signed => ("Signed", "bg-teal-100 text-teal-900"),
    };
    let detail = match (&note.signed_at, note.addenda) {
        (Some(at), 0) => format!("Signed {at}"),
        (Some(at), n) => format!("Signed {at} · {}", counted(n, "addendum", "addenda")),
        (None, _) => "Not signed yet".to_owned(),
    };
    view! {
        <li class="flex flex-wrap items-center gap-x-4 gap-y-1 px-4 py-3">
            <a href=format!("/notes/{}", note.id) class="font-medium text-teal-800 underline">
                {format!("Session {} · {} note", crate::model::day::readable(&note.session_date), note.template.label())}
            </a>
            <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {class}")>{badge}</span>
            {(note.kind == NoteKind::Psychotherapy).then(|| {
                let label = if note.shared { "Psychotherapy · shared with the care team" } else { "Psychotherapy · private" };
                view! { <span class="rounded-full bg-violet-100 px-2 py-0.5 text-xs font-medium text-violet-900">{label}</span> }
            })}
            <span class="text-sm text-stone-600">{format!("{} · {detail}", note.author)}</span>
            {(!scores.is_empty()).then(|| view! {
                <span class="text-sm text-stone-700" data-testid="note-scores">{format!("Before this session: {}", scores.join(", "))}</span>
            })}
        </li>
    }
}

/// The consents in force, in a line each.
#[component]
fn ConsentsInForce(consents: Vec<crate::model::consent::Consent>) -> impl IntoView {
    let line = |consent: &crate::model::consent::Consent| {
        let to = consent
            .release
            .as_ref()
            .map(|release| format!(" to {}", release.recipient))
            .unwrap_or_default();
        let until = consent
            .expires_on
            .as_deref()
            .map(|day| format!(", until {}", crate::model::day::readable(day)))
            .unwrap_or_default();
        format!("{}{to}{until}", consent.title)
    };
    view! {
        <p class="text-sm text-stone-700" data-testid="chart-consents">
            {if consents.is_empty() {
                "Consents in force: none recorded.".to_owned()
            } else {
                format!("Consents in force: {}.", consents.iter().map(line).collect::<Vec<_>>().join("; "))
            }}
        </p>
    }
}
