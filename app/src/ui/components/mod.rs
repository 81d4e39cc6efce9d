//! Small reusable pieces.

mod back;
mod chart;
mod confirm;
mod csrf;
mod details;
mod field;
mod get_form;
mod nav;
mod pager;
mod passkey_button;
mod print;
mod security_events;
mod status;
mod step_up;
pub mod style;
mod terms;
mod trend;

pub use back::{BackToPatient, PatientPage};
pub use chart::{EventsOverTime, RankedBars};
pub use confirm::Confirm;
pub use csrf::CsrfField;
pub use details::{DetailsFields, DetailsList, contact_line};
pub use field::{
    FormAlert, PasswordField, SelectField, SubmitButton, TextAreaField, TextField,
    clear_on_success, field_error, form_error, refresh_on_success, successes,
};
pub use get_form::GetForm;
pub use nav::{NavBar, links_for};
pub use pager::Pager;
pub use passkey_button::{PasskeyButton, go_to};
pub use print::PrintButton;
pub use security_events::{SecurityActivity, SecurityNotices};
pub use status::{ErrorPage, HttpStatus, LoadFailed, StatusPage, UnavailableNotice};
pub use step_up::{StepUpForm, problem_besides_step_up};
pub use terms::Terms;
pub use trend::{ScoreTrend, safety_text, summary as trend_summary};
