//! Administration → Access review: the audit chain's state, alerts, an overview of
//! a period with charts, and the access log (filters in the URL, so any
//! view can be shared or bookmarked; older pages by keyset cursor; CSV
//! export of the same filters).

use super::alerts::AlertsSection;
use crate::{
    api::{
        VerifyAuditChain,
        audit::{get_audit_log, get_audit_overview, get_chain_status},
        people::list_people,
    },
    error::AppError,
    model::{
        PersonRow, ago,
        audit::{
            AuditAction, AuditOutcome, AuditOverview, AuditPage, AuditQuery, AuditRow, ChainStatus,
        },
        counted,
    },
    ui::components::{
        CsrfField, EventsOverTime, FormAlert, GetForm, LoadFailed, Pager, RankedBars, SelectField,
        SubmitButton, TextField, UnavailableNotice, form_error, style,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const PERIODS: [(&str, &str); 3] = [
    ("24h", "Last 24 hours"),
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
];

#[component]
pub fn AccessReviewPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        params.with(|p| {
            let get = |name: &str| p.get(name).unwrap_or_default();
            AuditQuery {
                from: get("from"),
                to: get("to"),
                actor: get("actor"),
                patient: get("patient"),
                action: get("action"),
                outcome: get("outcome"),
                ip: get("ip"),
                before: get("before"),
            }
        })
    });
    let period = Memo::new(move |_| {
        let asked = params.with(|p| p.get("period")).unwrap_or_default();
        PERIODS
            .iter()
            .find(|(p, _)| *p == asked)
            .map_or("7d", |(p, _)| *p)
            .to_owned()
    });
    let verify = ServerAction::<VerifyAuditChain>::new();
    let chain = Resource::new(move || verify.version().get(), |_| get_chain_status());
    let overview = Resource::new(move || period.get(), get_audit_overview);
    let log = Resource::new(move || query.get(), get_audit_log);
    let people = Resource::new(|| (), |_| list_people());

    view! {
        <Title text="Access review" />
        <div class="space-y-10">
            <h1 class="text-2xl font-semibold">"Access review"</h1>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match chain.await {
                        Ok(status) => view! { <ChainCard status verify /> }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
            <AlertsSection />
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    people.await.ok().map(|people| view! { <UnusedAccounts people /> })
                })}
            </Transition>
            <section aria-labelledby="overview-heading" class="space-y-4">
                <div class="flex flex-wrap items-baseline justify-between gap-3">
                    <h2 id="overview-heading" class="text-lg font-semibold">"Overview"</h2>
                    <PeriodLinks query period />
                </div>
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match overview.await {
                            Ok(overview) => view! { <Overview overview /> }.into_any(),
                            Err(error) => view! { <UnavailableNotice error /> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            <section aria-labelledby="log-heading" class="space-y-4">
                <h2 id="log-heading" class="text-lg font-semibold">"Access log"</h2>
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        let people = people.await.unwrap_or_default();
                        let result = log.await;
                        let problem = result.as_ref().err().cloned();
                        view! {
                            <Filters query=query.get_untracked() period people problem />
                            {match result {
                                Ok(page) => view! { <LogTable page query=query.get_untracked() /> }.into_any(),
                                Err(AppError::Invalid(_)) => ().into_any(),
                                Err(error) => view! { <UnavailableNotice error /> }.into_any(),
                            }}
                        }
                    })}
                </Transition>
            </section>
        </div>
    }
}

/// Staff accounts gone without a sign-in for longer than the practice
/// allows (`CAIRN_DORMANT_DAYS`), to deactivate on People.
#[component]
fn UnusedAccounts(people: Vec<PersonRow>) -> impl IntoView {
    let unused: Vec<PersonRow> = people.into_iter().filter(|p| p.unused).collect();
    let listed = (!unused.is_empty()).then(|| {
        view! {
            <p class="text-sm text-stone-700">
                "These staff accounts have not signed in for a long time. An account nobody uses is a way in nobody watches: deactivate it on "
                <a href="/people" class="text-teal-800 underline">"People"</a>
                " unless it is still needed."
            </p>
            <ul class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white text-sm" data-testid="unused-accounts">
                {unused.into_iter().map(|p| {
                    let last = p.last_signed_in_secs_ago.map_or_else(
                        || "never signed in".to_owned(),
                        |secs| format!("last signed in {}", ago(secs)),
                    );
                    view! {
                        <li class="px-4 py-2">
                            <span class="font-medium">{p.display_name}</span>
                            {format!(" · {} · {last}", p.role.label())}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
    });
    view! {
        <section aria-labelledby="unused-heading" class="space-y-3">
            <h2 id="unused-heading" class="text-lg font-semibold">"Unused accounts"</h2>
            {match listed {
                Some(listed) => listed.into_any(),
                None => view! { <p class="text-sm text-stone-600">"No staff account has gone unused for too long."</p> }.into_any(),
            }}
        </section>
    }
}

/// The chain's last verification, and a button to verify now.
#[component]
fn ChainCard(status: ChainStatus, verify: ServerAction<VerifyAuditChain>) -> impl IntoView {
    let problem = form_error(verify.value());
    let (tone, headline, detail) = match &status.last {
        None => (
            "border-stone-200 bg-white",
            "Not verified yet".to_owned(),
            "Verify the chain to check that no event was changed or removed.".to_owned(),
        ),
        Some(check) if check.intact => (
            "border-teal-300 bg-teal-50",
            "Audit trail intact".to_owned(),
            format!(
                "{} verified at {}.",
                counted(check.events, "event", "events"),
                check.at
            ),
        ),
        Some(check) => (
            "border-rose-300 bg-rose-50",
            "Audit trail broken".to_owned(),
            format!(
                "Checked at {}: {}",
                check.at,
                check.problem.clone().unwrap_or_default()
            ),
        ),
    };
    view! {
        <section
            aria-labelledby="chain-heading"
            class=format!("flex flex-wrap items-center justify-between gap-4 rounded-xl border p-5 {tone}")
            data-testid="chain-status"
        >
            <div class="space-y-1">
                <h2 id="chain-heading" class="font-semibold">{headline}</h2>
                <p class="text-sm text-stone-700">{detail}</p>
                <p class="text-xs text-stone-600">{format!("Newest event: #{}", status.newest_id)}</p>
            </div>
            <ActionForm action=verify>
                <CsrfField />
                <SubmitButton pending=verify.pending() label="Verify now" busy="Verifying…" />
            </ActionForm>
            <FormAlert message=problem />
        </section>
    }
}

/// Links to the overview's periods, keeping the log's filters.
#[component]
fn PeriodLinks(query: Memo<AuditQuery>, period: Memo<String>) -> impl IntoView {
    view! {
        <nav aria-label="Period" class="flex gap-2 text-sm">
            {PERIODS
                .iter()
                .map(|(value, label)| {
                    let href = move || {
                        let base = query.get().to_url_query(false);
                        let join = if base.is_empty() { "?" } else { "&" };
                        format!("/admin/audit{base}{join}period={value}")
                    };
                    let current = move || (period.get() == *value).then_some("page");
                    view! {
                        <a
                            href=href
                            aria-current=current
                            class="rounded-md border border-stone-300 px-2 py-1 aria-[current=page]:border-teal-700 aria-[current=page]:bg-teal-700 aria-[current=page]:text-white"
                        >
                            {*label}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}

#[component]
fn Overview(overview: AuditOverview) -> impl IntoView {
    let unit = if overview.period == "24h" {
        "hour"
    } else {
        "day"
    };
    let counts = [
        ("Sign-ins", overview.sign_ins, false),
        (
            "Failed sign-ins",
            overview.failed_sign_ins,
            overview.failed_sign_ins > 0,
        ),
        ("Lockouts", overview.lockouts, overview.lockouts > 0),
        ("Record views", overview.record_views, false),
        ("Denied accesses", overview.denied, overview.denied > 0),
        (
            "Emergency accesses",
            overview.emergency,
            overview.emergency > 0,
        ),
    ];
    view! {
        <dl class="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6" data-testid="overview-counts">
            {counts
                .into_iter()
                .map(|(label, n, notable)| {
                    let tone = if notable { "border-rose-300 bg-rose-50" } else { "border-stone-200 bg-white" };
                    view! {
                        <div class=format!("rounded-lg border p-3 {tone}")>
                            <dt class="text-xs text-stone-600">{label}</dt>
                            <dd class="text-2xl font-semibold">{n}</dd>
                        </div>
                    }
                })
                .collect_view()}
        </dl>
        <div class="grid gap-6 lg:grid-cols-3">
            <div class="rounded-xl border border-stone-200 bg-white p-4 lg:col-span-2">
                <h3 class="mb-2 text-sm font-medium">"Events over time"</h3>
                <EventsOverTime series=overview.series unit />
            </div>
            <div class="rounded-xl border border-stone-200 bg-white p-4">
                <h3 class="mb-2 text-sm font-medium">"Most record views"</h3>
                <RankedBars items=overview.top_viewers of=("view", "views") empty="No records were viewed in this period." />
            </div>
        </div>
    }
}

/// The filter form: a plain GET form, so it works before the WASM and
/// every filtered view is a URL.
#[component]
fn Filters(
    query: AuditQuery,
    /// Followed as it changes: the period links change it without
    /// reading the log again, and applying filters must keep it.
    period: Memo<String>,
    people: Vec<PersonRow>,
    problem: Option<AppError>,
) -> impl IntoView {
    let error = |name: &'static str| problem.as_ref().and_then(|p| p.field(name));
    let [
        from_error,
        to_error,
        actor_error,
        patient_error,
        action_error,
        outcome_error,
        ip_error,
        before_error,
    ] = [
        "from", "to", "actor", "patient", "action", "outcome", "ip", "before",
    ]
    .map(error);
    let options = move |selected: &str| {
        people
            .iter()
            .map(|p| {
                let id = p.id.to_string();
                let is = id == selected;
                view! { <option value=id selected=is>{format!("{} ({})", p.display_name, p.role.label())}</option> }
            })
            .collect_view()
    };
    let actor_options = options(&query.actor);
    let patient_options = options(&query.patient);
    let export = format!("/admin/audit/export.csv{}", query.to_url_query(false));
    view! {
        <GetForm action="/admin/audit">
            // A hidden field's value is its attribute: rendered by the
            // server, and kept in step here when a period link is followed.
            <input type="hidden" name="period" value=move || period.get() />
            <div class="grid gap-x-4 gap-y-1 rounded-xl border border-stone-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-4">
                <TextField name="from" label="From" input_type="date" value=query.from.clone() error=Signal::stored(from_error) />
                <TextField name="to" label="To" input_type="date" value=query.to.clone() error=Signal::stored(to_error) />
                <SelectField name="actor" label="Who" error=Signal::stored(actor_error)>
                    <option value="">"Anyone"</option>
                    {actor_options}
                </SelectField>
                <SelectField name="patient" label="Concerning" error=Signal::stored(patient_error)>
                    <option value="">"Anyone"</option>
                    {patient_options}
                </SelectField>
                <SelectField name="action" label="Action" error=Signal::stored(action_error)>
                    <option value="">"Any action"</option>
                    {AuditAction::ALL
                        .iter()
                        .map(|a| view! { <option value=a.as_str() selected=a.as_str() == query.action>{a.describe()}</option> })
                        .collect_view()}
                </SelectField>
                <SelectField name="outcome" label="Outcome" error=Signal::stored(outcome_error)>
                    <option value="">"Any outcome"</option>
                    {AuditOutcome::ALL
                        .iter()
                        .map(|o| view! { <option value=o.as_str() selected=o.as_str() == query.outcome>{o.describe()}</option> })
                        .collect_view()}
                </SelectField>
                <TextField name="ip" label="IP address" value=query.ip.clone() error=Signal::stored(ip_error) />
                <div class="flex items-end gap-2 pb-6">
                    <button type="submit" class=style::PRIMARY_BUTTON>"Apply filters"</button>
                    <a href="/admin/audit" class=style::SECONDARY_BUTTON>"Clear"</a>
                </div>
            </div>
            <p id="before-error" class="min-h-5 text-sm text-red-800">{before_error}</p>
        </GetForm>
        <p class="text-sm">
            <a href=export class="text-teal-800 underline" rel="external" download="cairn-access-log.csv">
                "Export these events as CSV"
            </a>
        </p>
    }
}

/// The events, newest first; each row opens to its full detail.
#[component]
fn LogTable(page: AuditPage, query: AuditQuery) -> impl IntoView {
    if page.rows.is_empty() {
        return view! {
            <p class="rounded-xl border border-dashed border-stone-300 p-6 text-center text-stone-600" data-testid="log-empty">
                "No events match these filters."
            </p>
        }
        .into_any();
    }
    let older = page.next_before.map(|before| {
        let next = AuditQuery {
            before: before.to_string(),
            ..query.clone()
        };
        format!("/admin/audit{}", next.to_url_query(true))
    });
    let newest =
        (!query.before.is_empty()).then(|| format!("/admin/audit{}", query.to_url_query(false)));
    view! {
        <ol class="divide-y divide-stone-200 rounded-xl border border-stone-200 bg-white" data-testid="access-log">
            {page.rows.into_iter().map(|row| view! { <LogRow row /> }).collect_view()}
        </ol>
        <Pager what="events" newest older />
    }
    .into_any()
}

#[component]
fn LogRow(row: AuditRow) -> impl IntoView {
    // The summary is the row's one control (it opens the detail), so the
    // names in it are plain text; the links to everything that person did,
    // or that touched them, are in the detail below.
    let who = match &row.actor {
        Some(p) => format!("{} ({})", p.name, p.role.label()),
        None => "Nobody signed in".to_owned(),
    };
    let concerning = row
        .subjects
        .iter()
        .map(|p| format!("→ {}", p.name))
        .collect::<Vec<_>>()
        .join(" ");
    let follow = row
        .actor
        .iter()
        .map(|p| {
            (
                format!("/admin/audit?actor={}", p.id),
                format!("Everything by {}", p.name),
            )
        })
        .chain(row.subjects.iter().map(|p| {
            (
                format!("/admin/audit?patient={}", p.id),
                format!("Everything about {}", p.name),
            )
        }))
        .map(|(href, label)| {
            view! { <a href=href class="text-teal-800 underline">{label}</a> }
        })
        .collect_view();
    let (badge, badge_tone) = match row.outcome {
        AuditOutcome::Allowed => ("Allowed", "bg-teal-100 text-teal-900"),
        AuditOutcome::Denied => ("Denied", "bg-rose-100 text-rose-900"),
        AuditOutcome::Error => ("Error", "bg-amber-100 text-amber-900"),
    };
    let detail = |term: &'static str, value: Option<String>| {
        value.map(|value| {
            view! {
                <div class="flex gap-2">
                    <dt class="w-28 shrink-0 text-stone-600">{term}</dt>
                    <dd class="break-all">{value}</dd>
                </div>
            }
        })
    };
    let details = (!row.details.is_empty()).then(|| {
        row.details
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    });
    view! {
        <li>
            <details class="group">
                <summary class="flex cursor-pointer flex-wrap items-center gap-x-4 gap-y-1 px-4 py-3 hover:bg-stone-50">
                    <time class="w-56 shrink-0 font-mono text-sm text-stone-600">{row.at.clone()}</time>
                    <span class="font-medium">{row.action.describe()}</span>
                    <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {badge_tone}")>{badge}</span>
                    <span class="text-sm text-stone-700">{who}</span>
                    <span class="text-sm text-stone-700">{concerning}</span>
                    <span class="ml-auto font-mono text-xs text-stone-500">{row.ip.clone()}</span>
                </summary>
                <div class="space-y-2 bg-stone-50 px-4 py-3 text-sm">
                    <p class="flex flex-wrap gap-x-4">{follow}</p>
                    <dl class="space-y-1">
                        {detail("Event", Some(format!("#{}", row.id)))}
                        {detail("Action", Some(row.action.as_str().to_owned()))}
                        {detail("On", row.resource.map(|(kind, id)| format!("{kind} {id}")))}
                        {detail("Reason", row.reason)}
                        {detail("Details", details)}
                        {detail("IP address", row.ip)}
                        {detail("Browser", row.user_agent)}
                        {detail("Session", row.session.map(|s| format!("{s}…")))}
                        {detail("Request", row.request_id)}
                    </dl>
                </div>
            </details>
        </li>
    }
}
