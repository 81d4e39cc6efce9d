//! A questionnaire's scores over time, drawn as SVG on the server over the
//! instrument's severity bands: the baseline, the latest score and the
//! change since baseline, with a reliable change called out. A summary for
//! screen readers, and every score as a table one click away.

use crate::model::measures::{Instrument, Trend};
use leptos::prelude::*;

const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 200.0;
/// Room on the left for the band names, and below for the dates.
const LEFT: f64 = 128.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;
const RIGHT: f64 = 16.0;

/// Band fills, mildest first (the last one for the most severe band).
const BAND_FILLS: [&str; 5] = [
    "fill-emerald-50",
    "fill-lime-50",
    "fill-amber-50",
    "fill-orange-100",
    "fill-rose-100",
];

/// The summary a screen reader hears, and everyone reads under the chart.
pub fn summary(trend: &Trend) -> String {
    let instrument = trend.instrument;
    let Some((first, last, change)) = trend.change() else {
        return format!("No {} answered yet.", instrument.label());
    };
    let band = |total| instrument.band(total).label.to_lowercase();
    let count = trend.points.len();
    if count == 1 {
        return format!(
            "{}: one score so far, {first} ({}).",
            instrument.label(),
            band(first)
        );
    }
    let direction = match change {
        0 => "no change".to_owned(),
        c if c < 0 => format!("down {}", c.unsigned_abs()),
        c => format!("up {c}"),
    };
    let reliable = if trend.reliable() {
        if change < 0 {
            ", a reliable improvement"
        } else {
            ", a reliable worsening"
        }
    } else {
        ""
    };
    format!(
        "{}: baseline {first} ({}), latest {last} ({}), {direction} since baseline{reliable} over {count} scores.",
        instrument.label(),
        band(first),
        band(last)
    )
}

#[component]
pub fn ScoreTrend(trend: Trend) -> impl IntoView {
    let instrument = trend.instrument;
    let max = f64::from(instrument.max());
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let y = move |total: f64| TOP + plot_h - total / max * plot_h;
    let count = trend.points.len();
    let x = move |i: usize| {
        if count <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (count - 1) as f64
        }
    };
    let bands = bands(instrument, y, plot_w);
    let baseline = trend.points.first().map(|p| {
        let at = y(f64::from(p.total));
        view! {
            <line x1=LEFT x2=LEFT + plot_w y1=at y2=at stroke-dasharray="4 4" class="stroke-stone-500" />
            <text x=LEFT + plot_w y=at - 4.0 text-anchor="end" class="fill-stone-600 text-[10px]">{format!("baseline {}", p.total)}</text>
        }
    });
    let line: String = trend
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(f64::from(p.total))))
        .collect::<Vec<_>>()
        .join(" ");
    let dots = trend
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (cx, cy) = (x(i), y(f64::from(p.total)));
            let last = i + 1 == count;
            let anchor = if count == 1 {
                "middle"
            } else if last {
                "end"
            } else {
                "start"
            };
            let label = (last || i == 0).then(|| {
                view! {
                    <text x=cx y=HEIGHT - 6.0 text-anchor=anchor class="fill-stone-600 text-[10px]">
                        {crate::model::day::readable(&p.on)}
                    </text>
                }
            });
            let value = last.then(|| view! {
                <text x=cx - 8.0 y=cy - 8.0 text-anchor="end" class="fill-stone-900 text-[12px] font-semibold">{p.total}</text>
            });
            view! {
                <g>
                    <title>{format!("{}: {} ({})", p.on, p.total, instrument.band(p.total).label)}</title>
                    {p.safety.then(|| view! { <circle cx=cx cy=cy r="8" class="fill-none stroke-rose-700" stroke-width="2" /> })}
                    <circle cx=cx cy=cy r="4" class="fill-teal-800" />
                    {label}
                    {value}
                </g>
            }
        })
        .collect_view();
    let summary = summary(&trend);
    let rows = trend
        .points
        .iter()
        .map(|p| {
            view! {
                <tr>
                    <td class="pr-4">{crate::model::day::readable(&p.on)}</td>
                    <td class="pr-4 text-right">{p.total}</td>
                    <td class="pr-4">{instrument.band(p.total).label}</td>
                    <td>{safety_text(instrument, p.safety_answer)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <figure class="space-y-2 rounded-xl border border-stone-200 bg-white p-4" data-testid=format!("trend-{}", instrument.key())>
            <h3 class="font-semibold">{format!("{} ({})", instrument.label(), instrument.measures())}</h3>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") class="h-auto w-full" role="img" aria-label=summary.clone()>
                {bands}
                {baseline}
                <polyline points=line class="fill-none stroke-teal-800" stroke-width="2" />
                {dots}
            </svg>
            <figcaption class="text-sm text-stone-700" data-testid="trend-summary">{summary}</figcaption>
            <details class="text-sm">
                <summary class="cursor-pointer text-teal-800">"Show the scores as a table"</summary>
                <table class="mt-2">
                    <thead>
                        <tr>
                            <th class="pr-4 text-left">"Answered"</th>
                            <th class="pr-4 text-right">"Score"</th>
                            <th class="pr-4 text-left">"Severity"</th>
                            <th class="text-left">"Safety question"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </figure>
    }
}

/// The severity bands as shaded rows, each named at the left.
fn bands(instrument: Instrument, y: impl Fn(f64) -> f64, plot_w: f64) -> impl IntoView {
    let bands = instrument.bands();
    let last = bands.len() - 1;
    bands
        .iter()
        .enumerate()
        .map(|(i, band)| {
            // The band covers its totals: from its lowest to the next one's.
            let top = y(f64::from(band.to) + if i == last { 0.0 } else { 1.0 });
            let bottom = y(f64::from(band.from));
            let fill = BAND_FILLS[if i == last { 4 } else { i.min(3) }];
            view! {
                <rect x=LEFT y=top width=plot_w height=bottom - top class=fill />
                <text x=LEFT - 6.0 y=(top + bottom) / 2.0 + 4.0 text-anchor="end" class="fill-stone-600 text-[10px]">
                    {format!("{} {}–{}", band.label, band.from, band.to)}
                </text>
            }
        })
        .collect_view()
}

/// The safety item's answer in words ("—" for an instrument without one).
pub fn safety_text(instrument: Instrument, answer: u8) -> &'static str {
    if instrument.safety_item().is_none() {
        return "—";
    }
    crate::model::measures::FREQUENCY
        .get(usize::from(answer))
        .copied()
        .unwrap_or("—")
}
