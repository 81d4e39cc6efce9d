//! The hidden field that carries the session's CSRF token in every form.

use crate::ui::visitor;
use leptos::prelude::*;

/// `<input type="hidden" name="csrf_token">` with this session's token.
/// Goes inside every form that changes something; the server refuses the
/// post without it.
#[component]
pub fn CsrfField() -> impl IntoView {
    let visitor = visitor();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                visitor
                    .await
                    .ok()
                    .map(|visitor| {
                        view! { <input type="hidden" name="csrf_token" value=visitor.csrf_token /> }
                    })
            })}
        </Transition>
    }
}
