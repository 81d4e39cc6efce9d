//! Patients' details as they cross the wire, for the people allowed to see
//! them. Built on the server from opened values, explicitly.

use serde::{Deserialize, Serialize};

/// A patient's own identifying details, as the portal shows them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyInformation {
    pub legal_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// What else the practice keeps: how to address them, gender,
    /// language, address, emergency contact.
    pub details: crate::model::details::PatientDetails,
}

/// Health information: never printed with its content.
impl std::fmt::Debug for MyInformation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MyInformation(<redacted>)")
    }
}

/// The patient's treatment plan as the portal shows it: the goals they
/// work toward and when the plan is next reviewed, nothing clinical beyond.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyPlan {
    pub goals: Vec<String>,
    /// `YYYY-MM-DD`.
    pub review_date: String,
    /// `YYYY-MM-DD`.
    pub updated_on: String,
}

/// Health information: never printed with its content.
impl std::fmt::Debug for MyPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MyPlan(<redacted>)")
    }
}
