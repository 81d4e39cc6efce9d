//! One file per page.

mod access_review;
mod alerts;
mod caseload;
mod chart;
mod emergency;
mod home;
mod invite;
mod my_access;
mod my_care_team;
mod my_information;
mod not_found;
mod note;
mod people;
mod security;
mod sign_in;
mod sign_in_code;
mod two_step;

pub use access_review::AccessReviewPage;
pub use caseload::CaseloadPage;
pub use chart::ChartPage;
pub use emergency::EmergencyAccessPage;
pub use home::HomePage;
pub use invite::InvitePage;
pub use my_access::MyAccessPage;
pub use my_care_team::MyCareTeamPage;
pub use my_information::MyInformationPage;
pub use not_found::NotFound;
pub use note::{NewNotePage, NotePage};
pub use people::PeoplePage;
pub use security::SecurityPage;
pub use sign_in::SignInPage;
pub use sign_in_code::SignInCodePage;
pub use two_step::TwoStepPage;
