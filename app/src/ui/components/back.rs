//! The way back from a page about one patient's record that both the care
//! team and the practice's administrators open (a copy, the disclosures):
//! to the chart for a therapist, to *Patients* for an administrator, who
//! has no chart to go back to.

use crate::{model::Role, ui::visitor};
use leptos::prelude::*;
use uuid::Uuid;

#[component]
pub fn BackToPatient(patient_id: Uuid) -> impl IntoView {
    let visitor = visitor();
    let admin = move || {
        visitor
            .get()
            .and_then(Result::ok)
            .and_then(|v| v.user)
            .is_some_and(|u| u.role == Role::Admin)
    };
    view! {
        {move || if admin() {
            view! { <a href="/admin/patients" class="text-sm text-teal-800 underline">"Back to Patients"</a> }.into_any()
        } else {
            view! { <a href=format!("/patients/{patient_id}") class="text-sm text-teal-800 underline">"Back to the chart"</a> }.into_any()
        }}
    }
}
