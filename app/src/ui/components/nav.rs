//! Navigation by role: one list, so every role's menu is defined in one place.

use crate::model::Role;
use leptos::prelude::*;

/// (label, path) of each link a role sees; `None` is a signed-out visitor.
pub fn links_for(role: Option<Role>) -> &'static [(&'static str, &'static str)] {
    match role {
        None => &[("Sign in", "/sign-in")],
        Some(Role::Therapist) => &[
            ("Home", "/home"),
            ("Caseload", "/caseload"),
            ("Patients", "/people"),
            ("Security", "/security"),
        ],
        Some(Role::Admin) => &[
            ("Home", "/home"),
            ("People", "/people"),
            ("Patients", "/admin/patients"),
            ("Access review", "/admin/audit"),
            ("Practice", "/admin/practice"),
            ("Consent forms", "/admin/consents"),
            ("Retention", "/admin/retention"),
            ("Security", "/security"),
        ],
        Some(Role::Patient) => &[
            ("Home", "/home"),
            ("My information", "/me"),
            ("My care team", "/me/care-team"),
            ("My plan", "/me/plan"),
            ("Safety plan", "/me/safety-plan"),
            ("Questionnaires", "/me/questionnaires"),
            ("Consents", "/me/consents"),
            ("Who accessed my record", "/me/access"),
            ("Security", "/security"),
        ],
    }
}

/// The main navigation. On a phone its links sit behind a "Menu" button
/// (a disclosure: it says whether it is open, Escape closes it and gives
/// focus back, following a link closes it); from `md` up they are all on
/// screen and the button is gone.
#[component]
pub fn NavBar(role: Option<Role>) -> impl IntoView {
    let links = links_for(role);
    let open = RwSignal::new(false);
    let button = NodeRef::<leptos::html::Button>::new();
    // One link (a visitor's "Sign in") needs no menu.
    let collapses = links.len() > 1;
    let list_class = move || {
        if !collapses {
            "flex gap-4 text-sm font-medium"
        } else if open.get() {
            // Across the whole header, just under it (the header is the
            // positioned box).
            "absolute inset-x-0 top-full z-40 flex flex-col gap-1 border-b border-stone-200 bg-white px-4 py-2 text-base font-medium shadow-lg md:static md:flex-row md:gap-4 md:border-0 md:p-0 md:text-sm md:shadow-none"
        } else {
            "hidden text-sm font-medium md:flex md:flex-row md:gap-4"
        }
    };
    let close_on_escape = move |event: leptos::ev::KeyboardEvent| {
        if event.key() == "Escape" && open.get_untracked() {
            open.set(false);
            if let Some(button) = button.get_untracked() {
                let _ = button.focus();
            }
        }
    };
    view! {
        <nav aria-label="Main" on:keydown=close_on_escape>
            {collapses.then(|| view! {
                <button
                    type="button"
                    node_ref=button
                    class="rounded-md border border-stone-300 px-3 py-1 text-sm font-medium text-stone-700 hover:bg-stone-100 focus:outline-none focus:ring-2 focus:ring-teal-600 md:hidden"
                    aria-controls="main-menu"
                    aria-expanded=move || if open.get() { "true" } else { "false" }
                    on:click=move |_| open.update(|open| *open = !*open)
                >
                    "Menu"
                </button>
            })}
            <ul id="main-menu" class=list_class>
                {links
                    .iter()
                    .map(|(label, href)| {
                        view! {
                            <li>
                                <a
                                    href=*href
                                    class="block rounded px-2 py-2 text-stone-700 hover:bg-stone-100 hover:text-stone-900 md:py-1"
                                    on:click=move |_| open.set(false)
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
                .all(|(_, path)| path.starts_with("/me") || ["/home", "/security"].contains(path))
        );
    }
}
