//! A patient's safety plan as it crosses the wire: the seven steps of the
//! widely used Stanley-Brown structure, in the order a person works
//! through them in a crisis, each a list written with the patient.

use serde::{Deserialize, Serialize};

/// One step of a safety plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SafetyStep {
    WarningSigns,
    Coping,
    Distraction,
    Helpers,
    Professionals,
    Environment,
    Reasons,
}

impl SafetyStep {
    /// Every step, in the plan's order.
    pub const ALL: [SafetyStep; 7] = [
        SafetyStep::WarningSigns,
        SafetyStep::Coping,
        SafetyStep::Distraction,
        SafetyStep::Helpers,
        SafetyStep::Professionals,
        SafetyStep::Environment,
        SafetyStep::Reasons,
    ];

    /// The form field (and the key it is sealed under).
    pub fn field(self) -> &'static str {
        match self {
            SafetyStep::WarningSigns => "warning_signs",
            SafetyStep::Coping => "coping",
            SafetyStep::Distraction => "distraction",
            SafetyStep::Helpers => "helpers",
            SafetyStep::Professionals => "professionals",
            SafetyStep::Environment => "environment",
            SafetyStep::Reasons => "reasons",
        }
    }

    /// The step's heading, as the patient reads it.
    pub fn title(self) -> &'static str {
        match self {
            SafetyStep::WarningSigns => "Warning signs that a crisis may be developing",
            SafetyStep::Coping => "Things I can do on my own to take my mind off it",
            SafetyStep::Distraction => "People and places that help me feel better",
            SafetyStep::Helpers => "People I can ask for help",
            SafetyStep::Professionals => "Professionals and crisis lines I can contact",
            SafetyStep::Environment => "Making my surroundings safer",
            SafetyStep::Reasons => "My reasons for living",
        }
    }

    /// What the clinician writes in it, for the form.
    pub fn hint(self) -> &'static str {
        match self {
            SafetyStep::WarningSigns => {
                "Thoughts, images, moods, situations or behaviour, in the patient's words; one per line."
            }
            SafetyStep::Coping => {
                "Relaxation, physical activity, anything that helps without contacting anyone; one per line."
            }
            SafetyStep::Distraction => {
                "People and social settings that distract, with a phone number or place; one per line."
            }
            SafetyStep::Helpers => {
                "Family members or friends to ask for help, each with a phone number; one per line."
            }
            SafetyStep::Professionals => {
                "Clinicians and urgent care with their numbers; the practice's crisis lines are shown to the patient as well. One per line."
            }
            SafetyStep::Environment => {
                "Means to remove or secure, and who will help; one per line."
            }
            SafetyStep::Reasons => {
                "What matters most to the patient and is worth living for; one per line."
            }
        }
    }
}

/// Most lines in one step of a safety plan.
pub const SAFETY_ITEMS_MAX: usize = 20;
/// Longest line of a safety plan, in characters.
pub const SAFETY_ITEM_MAX: usize = 500;

/// A patient's current safety plan: every step, in order, each with its
/// lines as typed (a step may be empty).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyPlan {
    pub steps: Vec<(SafetyStep, Vec<String>)>,
    /// What a save must name: a save over an older version is refused.
    pub version: i32,
    pub updated_by: String,
    /// To the minute, in the practice's zone ("Fri 4 Dec 2026, 14:05 CST").
    pub updated_at: String,
}

impl SafetyPlan {
    /// The lines of `step` (none when it is empty).
    pub fn lines(&self, step: SafetyStep) -> &[String] {
        self.steps
            .iter()
            .find(|(s, _)| *s == step)
            .map_or(&[], |(_, lines)| lines.as_slice())
    }
}

/// Health information: never printed with its content.
impl std::fmt::Debug for SafetyPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SafetyPlan(<redacted>)")
    }
}

/// The safety plan as the portal shows it to its patient, with the
/// practice's crisis lines.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MySafetyPlan {
    /// `None` until the care team has written one.
    pub plan: Option<SafetyPlan>,
    /// The practice's crisis resources, as its administrators wrote them.
    pub crisis_resources: String,
}

/// Health information: never printed with its content.
impl std::fmt::Debug for MySafetyPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MySafetyPlan(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_has_its_own_field_title_and_hint() {
        let mut fields: Vec<&str> = SafetyStep::ALL.iter().map(|s| s.field()).collect();
        fields.sort_unstable();
        fields.dedup();
        assert_eq!(fields.len(), SafetyStep::ALL.len());
        for step in SafetyStep::ALL {
            assert!(!step.title().is_empty() && step.hint().ends_with('.'));
            // The wire spelling is the field's, so a form and the JSON agree.
            let wire = serde_json::to_string(&step).expect("serializes");
            assert_eq!(wire, format!("\"{}\"", step.field()));
        }
    }
}
