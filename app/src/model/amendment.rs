//! Amendments a patient asks for (HIPAA 164.526): a correction of one item
//! of their record in their own words; the care team accepts it (and makes
//! the amendment, as an addendum for a signed note) or denies it with a
//! reason; after a denial the patient may file a statement of disagreement,
//! which then travels with every copy of the record. The practice has 60
//! days to decide, and may take 30 more once, saying why.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

stored_enum! {
    /// What kind of item of the record a request is about.
    pub enum ItemKind {
        /// The patient's details (name, date of birth, contact, …): the
        /// item's id is the patient's.
        Details => "details",
        Diagnosis => "diagnosis",
        /// The treatment plan: the item's id is the plan's.
        Plan => "plan",
        /// A signed progress note.
        Note => "note",
    }
}

stored_enum! {
    pub enum AmendmentStatus {
        Pending => "pending",
        Accepted => "accepted",
        Denied => "denied",
    }
}

/// One item a patient may ask to have amended, as the request form lists
/// it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmendableItem {
    /// `kind:id`, the form's value.
    pub key: String,
    pub label: String,
}

impl std::fmt::Debug for AmendableItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AmendableItem(<redacted>)")
    }
}

/// An item's form value: `kind:id`.
pub fn item_key(kind: ItemKind, id: Uuid) -> String {
    format!("{}:{id}", kind.as_str())
}

/// The item a form value names, if it names one.
pub fn parse_item_key(key: &str) -> Option<(ItemKind, Uuid)> {
    let (kind, id) = key.split_once(':')?;
    Some((kind.parse().ok()?, id.parse().ok()?))
}

/// One request, opened, with what became of it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    pub id: Uuid,
    pub item_kind: ItemKind,
    pub item_id: Uuid,
    /// The item as the patient saw it named when they asked.
    pub item_label: String,
    /// The patient's words.
    pub request: String,
    /// To the minute, in the practice's zone.
    pub requested_at: String,
    /// The day a decision is due, `YYYY-MM-DD`.
    pub due_on: String,
    /// Undecided after the day it was due.
    pub overdue: bool,
    /// The 30 more days taken: the day, and why.
    pub extension: Option<(String, String)>,
    pub status: AmendmentStatus,
    /// Who decided, when (to the minute), and the amendment made or the
    /// reason for the denial.
    pub decision: Option<Decided>,
    /// The patient's statement of disagreement with a denial: when, and
    /// their words.
    pub disagreement: Option<(String, String)>,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decided {
    pub by: String,
    pub at: String,
    pub text: String,
}

impl Amendment {
    /// The whole exchange as plain text, as a copy of the record carries
    /// it beside the item.
    pub fn text(&self) -> String {
        let mut text = format!(
            "Amendment requested {} about {}:\n{}",
            self.requested_at, self.item_label, self.request
        );
        if let Some((on, why)) = &self.extension {
            text.push_str(&format!("\n\nDecision extended on {on}: {why}"));
        }
        match (&self.decision, self.status) {
            (Some(d), AmendmentStatus::Accepted) => text.push_str(&format!(
                "\n\nAccepted by {}, {}. Amendment made:\n{}",
                d.by, d.at, d.text
            )),
            (Some(d), _) => text.push_str(&format!(
                "\n\nDenied by {}, {}. Reason:\n{}",
                d.by, d.at, d.text
            )),
            (None, _) => text.push_str(&format!("\n\nAwaiting a decision, due {}.", self.due_on)),
        }
        if let Some((at, words)) = &self.disagreement {
            text.push_str(&format!(
                "\n\nStatement of disagreement filed by the patient, {at}:\n{words}"
            ));
        }
        text
    }
}

/// Health information: never printed with its content.
impl std::fmt::Debug for Amendment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Amendment(<redacted>)")
    }
}

/// What the patient's amendments page shows: what they may ask about and
/// what they asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAmendments {
    pub items: Vec<AmendableItem>,
    /// Newest first.
    pub requests: Vec<Amendment>,
}

/// Open requests of one patient, as the chart and a clinician's home show
/// them (nothing opened).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmendmentsWaiting {
    pub count: usize,
    /// The soonest due, `YYYY-MM-DD`.
    pub due_on: String,
    pub overdue: bool,
}

/// Days the practice has to act on a request (164.526(b)(2)).
pub const DECIDE_WITHIN_DAYS: i64 = 60;
/// The one extension it may take, with a reason.
pub const EXTENSION_DAYS: i64 = 30;
/// The longest request, decision, reason or statement, in characters.
pub const AMENDMENT_TEXT_MAX: usize = 4_000;
/// The shortest: a word or two is not a reason.
pub const AMENDMENT_TEXT_MIN: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_key_reads_back() {
        let id = Uuid::from_u128(0x5e21_0000_0000_4000_8000_0000_0000_0001);
        assert_eq!(
            parse_item_key(&item_key(ItemKind::Note, id)),
            Some((ItemKind::Note, id))
        );
        assert_eq!(parse_item_key("note"), None);
        assert_eq!(parse_item_key(&format!("psychotherapy:{id}")), None);
        assert_eq!(parse_item_key("note:not-a-uuid"), None);
    }
}
