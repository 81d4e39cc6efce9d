use crate::ui::components::StatusPage;
use leptos::prelude::*;
use leptos_meta::Title;

/// Any path no route matches. Says nothing about what does exist.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Title text="Page not found" />
        <StatusPage
            code=404
            heading="Page not found"
            text="There is no page at this address. Check the link, or go to the "
        />
    }
}
