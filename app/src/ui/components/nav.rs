//! Navigation by role: one list, so every role's menu is defined in one place.

use crate::model::Role;
use leptos::prelude::*;

/// (label, path) of each link a role sees; `None` is a signed-out visitor.
pub fn links_for(role: Option<Role>) -> &'static [(&'static str, &'static str)] {
    match role {
        None => &[("Sign in", "/sign-in")],
        Some(Role::Therapist) => &[
            ("Caseload", "/caseload"),
            ("Patients", "/people"),
            ("Security", "/security"),
        ],
        Some(Role::Admin) => &[
            ("People", "/people"),
            ("Patients", "/admin/patients"),
            ("Access review", "/admin/audit"),
            ("Security", "/security"),
        ],
        Some(Role::Patient) => &[
            ("My information", "/me"),
            ("My care team", "/me/care-team"),
            ("My plan", "/me/plan"),
            ("Who accessed my record", "/me/access"),
            ("Security", "/security"),
        ],
    }
}

#[component]
pub fn NavBar(role: Option<Role>) -> impl IntoView {
    view! {
        <nav aria-label="Main">
            <ul class="flex gap-4 text-sm font-medium">
                {links_for(role)
                    .iter()
                    .map(|(label, href)| {
                        view! {
                            <li>
                                <a
                                    href=*href
                                    class="rounded px-2 py-1 text-stone-700 hover:bg-stone-100 hover:text-stone-900"
                                >
                                    {*label}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_its_own_menu() {
        assert_eq!(links_for(None), &[("Sign in", "/sign-in")]);
        for role in Role::ALL.iter().copied() {
            assert!(!links_for(Some(role)).is_empty());
            assert!(!links_for(Some(role)).contains(&("Sign in", "/sign-in")));
        }
        assert!(
            links_for(Some(Role::Patient))
                .iter()
                .all(|(_, path)| path.starts_with("/me") || *path == "/security")
        );
    }
}
