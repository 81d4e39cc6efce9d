//! Page states that are not the happy path: errors, unavailability, status codes.

use crate::error::AppError;
use leptos::prelude::*;

/// Sets the HTTP status of the server-rendered response. Does nothing in the
/// browser (the response has long been sent).
#[component]
pub fn HttpStatus(code: u16) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(
            http::StatusCode::from_u16(code).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// Shown when a page could not load its data. Only the error's fixed,
/// user-facing message is shown; the status follows the error. Reloading is
/// suggested only where it may help: a refusal or a missing record stays
/// the same, so that offers the way home instead.
#[component]
pub fn UnavailableNotice(error: AppError) -> impl IntoView {
    let next = if error.is_transient() {
        view! {
            <p class="mt-1 text-sm">"Nothing you entered has been lost. You can reload the page in a moment."</p>
        }
        .into_any()
    } else {
        view! {
            <p class="mt-1 text-sm">
                <a href="/home" class="underline">"Go to your home page"</a>
            </p>
        }
        .into_any()
    };
    view! {
        <HttpStatus code=error.status() />
        <div role="alert" class="rounded-md border border-amber-300 bg-amber-50 p-4 text-amber-900">
            <p class="font-medium">{error.to_string()}</p>
            {next}
        </div>
    }
}

/// What a page shows when its data did not load: someone no longer signed
/// in goes to sign-in; anything else is an [`UnavailableNotice`].
#[component]
pub fn LoadFailed(error: AppError) -> impl IntoView {
    match error {
        AppError::Unauthenticated => {
            view! { <leptos_router::components::Redirect path="/sign-in?reason=required" /> }
                .into_any()
        }
        error => view! { <UnavailableNotice error /> }.into_any(),
    }
}

/// The page for an unexpected failure while rendering. It never shows the
/// error itself: that was logged on the server.
#[component]
pub fn ErrorPage() -> impl IntoView {
    view! {
        <StatusPage
            code=500
            heading="Something went wrong"
            text="We could not show this page. The problem has been logged. Please try again, or go back to the "
        />
    }
}

/// A whole page that explains a status (404, 500) and offers the way back.
#[component]
pub fn StatusPage(code: u16, heading: &'static str, text: &'static str) -> impl IntoView {
    view! {
        <HttpStatus code />
        <section class="mx-auto max-w-lg text-center">
            <h1 class="text-2xl font-semibold">{heading}</h1>
            <p class="mt-3 text-stone-700">
                {text} <a href="/" class="text-teal-800 underline">"start page"</a> "."
            </p>
        </section>
    }
}
