//! Outcome measures: the PHQ-9 and the GAD-7 as published (wording,
//! answer scale, scoring and severity bands), and what crosses the wire
//! about them. Shared by the server, which scores, and the pages, which
//! ask the questions in the instrument's own words.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A questionnaire Cairn can assign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Instrument {
    Phq9,
    Gad7,
}

/// The answer scale both instruments use for their scored items.
pub const FREQUENCY: [&str; 4] = [
    "Not at all",
    "Several days",
    "More than half the days",
    "Nearly every day",
];

/// The form field of each scored item, in order (`item1` for the first).
pub const ITEM_FIELDS: [&str; 9] = [
    "item1", "item2", "item3", "item4", "item5", "item6", "item7", "item8", "item9",
];

/// The functional item both instruments end with: kept apart from the
/// total, as the instruments say.
pub const FUNCTIONAL_QUESTION: &str = "If you checked off any problems, how difficult have these problems made it for you to do your work, take care of things at home, or get along with other people?";
pub const DIFFICULTY: [&str; 4] = [
    "Not difficult at all",
    "Somewhat difficult",
    "Very difficult",
    "Extremely difficult",
];

const PHQ9_ITEMS: [&str; 9] = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
];

const GAD7_ITEMS: [&str; 7] = [
    "Feeling nervous, anxious or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
];

/// A severity band: the lowest and highest total in it, and its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    pub from: u8,
    pub to: u8,
    pub label: &'static str,
}

const fn band(from: u8, to: u8, label: &'static str) -> Band {
    Band { from, to, label }
}

const PHQ9_BANDS: [Band; 5] = [
    band(0, 4, "Minimal"),
    band(5, 9, "Mild"),
    band(10, 14, "Moderate"),
    band(15, 19, "Moderately severe"),
    band(20, 27, "Severe"),
];

const GAD7_BANDS: [Band; 4] = [
    band(0, 4, "Minimal"),
    band(5, 9, "Mild"),
    band(10, 14, "Moderate"),
    band(15, 21, "Severe"),
];

impl Instrument {
    pub const ALL: [Instrument; 2] = [Instrument::Phq9, Instrument::Gad7];

    /// As stored and as forms send it.
    pub fn key(self) -> &'static str {
        match self {
            Instrument::Phq9 => "phq9",
            Instrument::Gad7 => "gad7",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.key() == key)
    }

    /// Its short name ("PHQ-9").
    pub fn label(self) -> &'static str {
        match self {
            Instrument::Phq9 => "PHQ-9",
            Instrument::Gad7 => "GAD-7",
        }
    }

    /// What it measures, for staff.
    pub fn measures(self) -> &'static str {
        match self {
            Instrument::Phq9 => "depression",
            Instrument::Gad7 => "anxiety",
        }
    }

    /// The instruction printed above the items.
    pub fn instructions(self) -> &'static str {
        match self {
            Instrument::Phq9 => {
                "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
            }
            Instrument::Gad7 => {
                "Over the last 2 weeks, how often have you been bothered by the following problems?"
            }
        }
    }

    /// The scored items, in order.
    pub fn items(self) -> &'static [&'static str] {
        match self {
            Instrument::Phq9 => &PHQ9_ITEMS,
            Instrument::Gad7 => &GAD7_ITEMS,
        }
    }

    /// The highest total.
    pub fn max(self) -> u8 {
        u8::try_from(self.items().len() * 3).unwrap_or(u8::MAX)
    }

    pub fn bands(self) -> &'static [Band] {
        match self {
            Instrument::Phq9 => &PHQ9_BANDS,
            Instrument::Gad7 => &GAD7_BANDS,
        }
    }

    /// The band a total falls in.
    pub fn band(self, total: u8) -> Band {
        let bands = self.bands();
        bands
            .iter()
            .copied()
            .find(|b| (b.from..=b.to).contains(&total))
            .unwrap_or(bands[bands.len() - 1])
    }

    /// The smallest change in total that is more than measurement noise
    /// (the reliable change index used in routine outcome monitoring:
    /// 6 points for the PHQ-9, 4 for the GAD-7).
    pub fn reliable_change(self) -> u8 {
        match self {
            Instrument::Phq9 => 6,
            Instrument::Gad7 => 4,
        }
    }

    /// The item (0-based) that asks about self-harm, if the instrument has
    /// one: any answer above "Not at all" must reach a clinician.
    pub fn safety_item(self) -> Option<usize> {
        match self {
            Instrument::Phq9 => Some(8),
            Instrument::Gad7 => None,
        }
    }
}

/// How often an assignment comes due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Schedule {
    Once,
    Weekly,
    Fortnightly,
    Monthly,
}

impl Schedule {
    pub const ALL: [Schedule; 4] = [
        Schedule::Once,
        Schedule::Weekly,
        Schedule::Fortnightly,
        Schedule::Monthly,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Schedule::Once => "once",
            Schedule::Weekly => "weekly",
            Schedule::Fortnightly => "fortnightly",
            Schedule::Monthly => "monthly",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Schedule::Once => "Once",
            Schedule::Weekly => "Every week",
            Schedule::Fortnightly => "Every two weeks",
            Schedule::Monthly => "Every month",
        }
    }
}

/// A complete set of answers, scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub total: u8,
    /// The safety item was answered above "Not at all".
    pub safety: bool,
}

/// Scores `items` (each 0 to 3, in the instrument's order): the sum of the
/// items. The functional item is not part of it. `None` unless there is
/// exactly one answer per item, each on the scale.
pub fn score(instrument: Instrument, items: &[u8]) -> Option<Score> {
    if items.len() != instrument.items().len() || items.iter().any(|v| *v > 3) {
        return None;
    }
    let total = items.iter().sum();
    let safety = instrument
        .safety_item()
        .is_some_and(|at| items.get(at).is_some_and(|v| *v > 0));
    Some(Score { total, safety })
}

/// Something due for the patient to answer, on their home page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    pub assignment_id: Uuid,
    pub instrument: Instrument,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    /// Some answers are kept from an earlier visit.
    pub started: bool,
}

/// A questionnaire as the patient's form shows it: what is due, and the
/// answers kept so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Questionnaire {
    pub assignment_id: Uuid,
    pub instrument: Instrument,
    pub due_on: String,
    pub items: Vec<Option<u8>>,
    pub functional: Option<u8>,
    /// Already sent for this day: what the patient was told then (the
    /// crisis resources again when the safety item was positive).
    pub sent: Option<Answered>,
}

/// What a submission answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Answered {
    /// Kept to finish later.
    Kept,
    /// Submitted; `crisis` holds what to show at once when the safety item
    /// was positive (the practice's crisis resources), and `score` the
    /// total when the practice lets patients see theirs.
    Submitted {
        crisis: Option<String>,
        score: Option<u8>,
    },
}

/// One submitted questionnaire on the chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    pub response_id: Uuid,
    /// The practice's day it was submitted, `YYYY-MM-DD`.
    pub on: String,
    pub total: u8,
    pub safety: bool,
    /// The safety item's answer, `FREQUENCY`'s index (0 when none).
    pub safety_answer: u8,
    pub functional: Option<u8>,
    /// Still waits for a clinician (a positive safety item).
    pub needs_review: bool,
    /// "Acknowledged by X on Y", and their note, once someone has.
    pub acknowledged: Option<String>,
    pub acknowledgement_note: Option<String>,
}

/// A measure's history on one patient's chart, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trend {
    pub instrument: Instrument,
    pub points: Vec<Point>,
}

impl Trend {
    /// The first score, the latest, and the change (latest − first).
    pub fn change(&self) -> Option<(u8, u8, i16)> {
        let first = self.points.first()?.total;
        let last = self.points.last()?.total;
        Some((first, last, i16::from(last) - i16::from(first)))
    }

    /// The change since baseline is larger than measurement noise.
    pub fn reliable(&self) -> bool {
        self.change()
            .is_some_and(|(.., d)| d.unsigned_abs() >= u16::from(self.instrument.reliable_change()))
    }
}

/// A measure assigned to a patient, on the chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub id: Uuid,
    pub instrument: Instrument,
    pub schedule: Schedule,
    /// The next day it comes due, `YYYY-MM-DD` (`None` once answered, for
    /// a one-off).
    pub next_due: Option<String>,
    pub assigned_by: String,
}

/// Everything about measures on one chart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartMeasures {
    pub assignments: Vec<Assignment>,
    pub trends: Vec<Trend>,
}

impl ChartMeasures {
    /// Responses waiting for a clinician, oldest first.
    pub fn to_review(&self) -> Vec<(Instrument, &Point)> {
        self.trends
            .iter()
            .flat_map(|t| t.points.iter().map(move |p| (t.instrument, p)))
            .filter(|(_, p)| p.needs_review)
            .collect()
    }
}

/// A patient's own history, for the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyMeasures {
    pub due: Vec<Due>,
    /// Empty when the practice does not show patients their scores.
    pub trends: Vec<Trend>,
    pub shows_scores: bool,
    pub crisis_resources: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(n: usize, each: u8) -> Vec<u8> {
        vec![each; n]
    }

    #[test]
    fn every_band_boundary() {
        let phq = [
            (0, "Minimal"),
            (4, "Minimal"),
            (5, "Mild"),
            (9, "Mild"),
            (10, "Moderate"),
            (14, "Moderate"),
            (15, "Moderately severe"),
            (19, "Moderately severe"),
            (20, "Severe"),
            (27, "Severe"),
        ];
        for (total, label) in phq {
            assert_eq!(Instrument::Phq9.band(total).label, label, "PHQ-9 {total}");
        }
        let gad = [
            (0, "Minimal"),
            (4, "Minimal"),
            (5, "Mild"),
            (9, "Mild"),
            (10, "Moderate"),
            (14, "Moderate"),
            (15, "Severe"),
            (21, "Severe"),
        ];
        for (total, label) in gad {
            assert_eq!(Instrument::Gad7.band(total).label, label, "GAD-7 {total}");
        }
        // The bands tile the whole range, no gap and no overlap.
        for instrument in Instrument::ALL {
            let bands = instrument.bands();
            assert_eq!(bands[0].from, 0);
            assert_eq!(bands[bands.len() - 1].to, instrument.max());
            for pair in bands.windows(2) {
                assert_eq!(pair[0].to + 1, pair[1].from);
            }
        }
    }

    #[test]
    fn worked_examples() {
        // PHQ-9: 1+2+1+2+0+1+1+0+0 = 8, mild, no safety concern.
        let score = score(Instrument::Phq9, &[1, 2, 1, 2, 0, 1, 1, 0, 0]).expect("complete");
        assert_eq!(
            score,
            Score {
                total: 8,
                safety: false
            }
        );
        assert_eq!(Instrument::Phq9.band(8).label, "Mild");
        // Item 9 at "several days": a safety concern whatever the total.
        let low = super::score(Instrument::Phq9, &[0, 0, 0, 0, 0, 0, 0, 0, 1]).expect("complete");
        assert_eq!(
            low,
            Score {
                total: 1,
                safety: true
            }
        );
        // Everything "nearly every day".
        let top = super::score(Instrument::Phq9, &answers(9, 3)).expect("complete");
        assert_eq!(top.total, 27);
        // GAD-7: 3+2+2+1+1+2+1 = 12, moderate; it has no safety item.
        let gad = super::score(Instrument::Gad7, &[3, 2, 2, 1, 1, 2, 1]).expect("complete");
        assert_eq!(
            gad,
            Score {
                total: 12,
                safety: false
            }
        );
        assert_eq!(Instrument::Gad7.band(12).label, "Moderate");
        assert_eq!(
            super::score(Instrument::Gad7, &answers(7, 3)).map(|s| s.total),
            Some(21)
        );
    }

    #[test]
    fn incomplete_or_out_of_scale_answers_do_not_score() {
        assert!(score(Instrument::Phq9, &answers(8, 1)).is_none());
        assert!(score(Instrument::Phq9, &answers(10, 1)).is_none());
        assert!(score(Instrument::Gad7, &[0, 0, 0, 4, 0, 0, 0]).is_none());
    }

    #[test]
    fn reliable_change_from_baseline() {
        let point = |total| Point {
            response_id: Uuid::nil(),
            on: "2026-12-01".into(),
            total,
            safety: false,
            safety_answer: 0,
            functional: None,
            needs_review: false,
            acknowledged: None,
            acknowledgement_note: None,
        };
        let trend = |instrument, totals: &[u8]| Trend {
            instrument,
            points: totals.iter().map(|t| point(*t)).collect(),
        };
        assert!(trend(Instrument::Phq9, &[18, 14, 12]).reliable());
        assert!(!trend(Instrument::Phq9, &[18, 13]).reliable());
        assert!(trend(Instrument::Gad7, &[6, 10]).reliable());
        assert!(!trend(Instrument::Gad7, &[6, 9]).reliable());
        assert_eq!(trend(Instrument::Gad7, &[6, 9]).change(), Some((6, 9, 3)));
        assert!(trend(Instrument::Gad7, &[]).change().is_none());
    }

    #[test]
    fn keys_round_trip() {
        for i in Instrument::ALL {
            assert_eq!(Instrument::parse(i.key()), Some(i));
        }
        for s in Schedule::ALL {
            assert_eq!(Schedule::parse(s.key()), Some(s));
        }
        assert_eq!(Instrument::parse("bdi"), None);
    }
}
