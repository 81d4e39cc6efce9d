//! Pages about one patient's record beside the chart (`/patients/{id}/…`:
//! the disclosures, the amendment requests): the patient's id from the
//! path, and the way back: to the chart for a therapist, to *Patients* for
//! an administrator, who has no chart to go back to.

use crate::{error::AppError, model::Role, ui::components::LoadFailed, ui::visitor};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

/// A page about the patient the path names: `page` for their id, or the
/// not-found answer for a path that names no id.
#[component]
pub fn PatientPage(title: &'static str, page: fn(Uuid) -> AnyView) -> impl IntoView {
    let params = use_params_map();
    let patient = params.with_untracked(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok()));
    view! {
        <Title text=title />
        <div class="max-w-3xl space-y-6">
            {match patient {
                None => view! { <LoadFailed error=AppError::NotFound /> }.into_any(),
                Some(id) => page(id),
            }}
        </div>
    }
}

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
