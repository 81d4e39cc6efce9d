//! Where a person lands after signing in.

use crate::ui::{
    components::{SecurityNotices, UnavailableNotice},
    visitor,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

#[component]
pub fn HomePage() -> impl IntoView {
    let visitor = visitor();
    view! {
        <Title text="Home" />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match visitor.await.map(|v| v.user) {
                    Ok(Some(user)) => {
                        view! {
                            <SecurityNotices />
                            <section class="mt-6 space-y-2">
                                <h1 class="text-2xl font-semibold">{format!("Welcome, {}", user.display_name)}</h1>
                                <p class="text-stone-700" data-testid="signed-in-role">
                                    {format!("Signed in as {}.", user.role.label())}
                                </p>
                            </section>
                        }
                            .into_any()
                    }
                    Ok(None) => view! { <Redirect path="/sign-in?reason=required" /> }.into_any(),
                    Err(error) => view! { <UnavailableNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
