//! Small reusable pieces.

mod chart;
mod csrf;
mod field;
mod nav;
mod security_events;
mod status;
mod step_up;
pub mod style;

pub use chart::{EventsOverTime, RankedBars};
pub use csrf::CsrfField;
pub use field::{
    FormAlert, PasswordField, SelectField, SubmitButton, TextAreaField, TextField, field_error,
    form_error, refresh_on_success, successes,
};
pub use nav::{NavBar, links_for};
pub use security_events::{SecurityActivity, SecurityNotices};
pub use status::{ErrorPage, HttpStatus, LoadFailed, StatusPage, UnavailableNotice};
pub use step_up::{StepUpForm, problem_besides_step_up};
