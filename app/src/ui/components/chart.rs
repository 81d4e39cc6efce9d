//! Charts drawn as SVG on the server: no chart script, nothing to load,
//! readable before (and without) the WASM. Each has a text summary for
//! screen readers and the numbers as a table one click away.

use crate::model::counted;
use leptos::prelude::*;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 180.0;
const AXIS: f64 = 24.0;

/// Stacked bars over time: allowed (teal) under denied or failed (rose).
/// `series` is (label, allowed, denied), oldest first.
#[component]
pub fn EventsOverTime(
    series: Vec<(String, i64, i64)>,
    /// "hour" or "day", for the summary.
    unit: &'static str,
) -> impl IntoView {
    let peak = series
        .iter()
        .map(|(_, a, d)| a + d)
        .max()
        .unwrap_or(0)
        .max(1);
    let total: i64 = series.iter().map(|(_, a, d)| a + d).sum();
    let refused: i64 = series.iter().map(|(_, _, d)| d).sum();
    let count = series.len().max(1);
    let slot = WIDTH / count as f64;
    let bar = (slot * 0.7).max(1.0);
    let scale = (HEIGHT - AXIS - 8.0) / peak as f64;
    let summary = format!(
        "Events per {unit}: {total} in all, {refused} denied or failed; the busiest {unit} had {peak}."
    );
    // A label under every few bars, so they never overlap.
    let every = count.div_ceil(8);
    let bars = series
        .iter()
        .enumerate()
        .map(|(i, (label, allowed, denied))| {
            let x = i as f64 * slot + (slot - bar) / 2.0;
            let allowed_h = *allowed as f64 * scale;
            let denied_h = *denied as f64 * scale;
            let base = HEIGHT - AXIS;
            let tick = (i % every == 0).then(|| {
                let text = if unit == "hour" {
                    label.get(11..).unwrap_or(label).to_owned()
                } else {
                    label.get(5..).unwrap_or(label).to_owned()
                };
                view! {
                    <text x=x + bar / 2.0 y=HEIGHT - 6.0 text-anchor="middle" class="fill-stone-500 text-[10px]">
                        {text}
                    </text>
                }
            });
            view! {
                <g>
                    <title>{format!("{label}: {allowed} allowed, {denied} denied or failed")}</title>
                    <rect x=x y=base - allowed_h width=bar height=allowed_h class="fill-teal-600" />
                    <rect x=x y=base - allowed_h - denied_h width=bar height=denied_h class="fill-rose-500" />
                    {tick}
                </g>
            }
        })
        .collect_view();
    let rows = series
        .iter()
        .map(|(label, allowed, denied)| {
            view! {
                <tr>
                    <td class="pr-4">{label.clone()}</td>
                    <td class="pr-4 text-right">{*allowed}</td>
                    <td class="text-right">{*denied}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <figure class="space-y-2">
            <svg
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                class="h-auto w-full"
                role="img"
                aria-label=summary.clone()
                data-testid="events-chart"
            >
                <line x1="0" x2=WIDTH y1=HEIGHT - AXIS y2=HEIGHT - AXIS class="stroke-stone-300" />
                {bars}
            </svg>
            <figcaption class="flex flex-wrap items-center gap-4 text-sm text-stone-600">
                <span class="flex items-center gap-1"><span class="inline-block h-3 w-3 rounded-sm bg-teal-600"></span>"Allowed"</span>
                <span class="flex items-center gap-1"><span class="inline-block h-3 w-3 rounded-sm bg-rose-500"></span>"Denied or failed"</span>
                <span>{summary}</span>
            </figcaption>
            <details class="text-sm">
                <summary class="cursor-pointer text-teal-800">"Show as a table"</summary>
                <table class="mt-2">
                    <thead><tr><th class="pr-4 text-left">{unit}</th><th class="pr-4">"Allowed"</th><th>"Denied or failed"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </figure>
    }
}

/// Horizontal bars, longest first: (name, count).
#[component]
pub fn RankedBars(
    items: Vec<(String, i64)>,
    /// What is counted, one and many, e.g. ("view", "views").
    of: (&'static str, &'static str),
    /// Shown when there is nothing to rank.
    empty: &'static str,
) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="text-sm text-stone-600">{empty}</p> }.into_any();
    }
    let peak = items.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    view! {
        <ul class="space-y-2" aria-label=format!("Most {}", of.1)>
            {items
                .into_iter()
                .map(|(name, n)| {
                    let percent = (n as f64 / peak as f64 * 100.0).max(2.0);
                    view! {
                        <li class="text-sm">
                            <div class="flex justify-between"><span>{name}</span><span>{counted(n, of.0, of.1)}</span></div>
                            // SVG, not a styled div: the CSP allows no inline styles.
                            <svg viewBox="0 0 100 4" preserveAspectRatio="none" class="h-2 w-full" aria-hidden="true">
                                <rect width="100" height="4" class="fill-stone-100" />
                                <rect width=percent height="4" class="fill-teal-600" />
                            </svg>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}
