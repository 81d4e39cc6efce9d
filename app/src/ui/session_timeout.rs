//! The session-timeout warning, on every signed-in page.
//!
//! The server decides when a session ends; this component only knows it.
//! It asks how long is left (a passive call the server does not count as
//! activity) when the page loads, every 15 seconds, and when another tab
//! says something changed. When the time left drops under the warning
//! threshold it opens a modal dialog (native `<dialog>`: the page behind it
//! is inert, so focus stays inside) with a countdown, **Stay signed in**
//! and **Sign out**. At zero it wipes the page from the screen at once,
//! ends the session and goes to the sign-in page. Tabs keep in step over a
//! BroadcastChannel whose messages say only "extended" or "ended".

use crate::ui::components::style;
use crate::{
    api::{ExtendSession, SignOut},
    ui::components::CsrfField,
};
use leptos::{html::Dialog, prelude::*};

/// Seconds left and the thresholds, once the server has said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Countdown {
    pub left_secs: i64,
    pub warn_before_secs: i64,
    pub idle_timeout_secs: i64,
    /// The end is the absolute limit: staying signed in cannot move it.
    pub at_limit: bool,
    pub lifetime_secs: i64,
}

impl Countdown {
    pub fn warning(&self) -> bool {
        self.left_secs <= self.warn_before_secs
    }

    /// "1:05".
    pub fn clock(&self) -> String {
        let left = self.left_secs.max(0);
        format!("{}:{:02}", left / 60, left % 60)
    }

    /// What a screen reader hears, politely: the time left in steps (each
    /// minute, then 30 and 10 seconds), never every second.
    pub fn announcement(&self) -> String {
        if !self.warning() {
            return String::new();
        }
        let left = match self.left_secs.max(0) {
            61.. => crate::model::counted((self.left_secs + 59) / 60, "minute", "minutes"),
            31..=60 => "1 minute".to_owned(),
            11..=30 => "30 seconds".to_owned(),
            _ => "10 seconds".to_owned(),
        };
        format!("You will be signed out in {left}.")
    }

    /// Where the browser goes when the time is up, saying why.
    pub fn expired_url(&self) -> String {
        if self.at_limit {
            format!("/sign-in?reason=limit&after={}", self.lifetime_secs)
        } else {
            format!("/sign-in?reason=expired&after={}", self.idle_timeout_secs)
        }
    }
}

/// Where the browser goes when the server ended the session before its
/// time (signed out elsewhere, ended by an administrator).
pub const ENDED_URL: &str = "/sign-in?reason=ended";

#[component]
pub fn SessionTimeout(csrf_token: String) -> impl IntoView {
    let countdown = RwSignal::new(None::<Countdown>);
    let dialog = NodeRef::<Dialog>::new();
    let stay = ServerAction::<ExtendSession>::new();

    #[cfg(feature = "hydrate")]
    browser::run(countdown, dialog, stay, csrf_token.clone());

    let token = csrf_token.clone();
    let stay_signed_in = move || {
        stay.dispatch(ExtendSession {
            csrf_token: token.clone(),
        });
    };
    let stay_on_cancel = stay_signed_in.clone();
    let clock = move || countdown.get().map(|c| c.clock()).unwrap_or_default();
    let at_limit = move || countdown.get().is_some_and(|c| c.at_limit);
    let announcement = Memo::new(move |_| {
        countdown
            .get()
            .map(|c| c.announcement())
            .unwrap_or_default()
    });
    view! {
        // Centred (the reset removes the browser's own margin), over a
        // backdrop that hides the page: health information stays out of
        // sight while nobody may be there.
        <dialog
            node_ref=dialog
            role="alertdialog"
            aria-modal="true"
            aria-labelledby="timeout-title"
            aria-describedby="timeout-text"
            data-testid="session-timeout"
            class="m-auto w-[calc(100%-2rem)] max-w-md rounded-xl border border-stone-200 bg-white p-6 shadow-xl backdrop:bg-stone-800"
            // Escape is a deliberate keystroke: treat it as staying.
            on:cancel=move |event: leptos::ev::Event| {
                event.prevent_default();
                stay_on_cancel();
            }
        >
            <h2 id="timeout-title" class="text-lg font-semibold">"Are you still there?"</h2>
            <p id="timeout-text" class="mt-2 text-stone-700">
                {move || if at_limit() {
                    "For security a session lasts a fixed time, however active. Save your work: you will be signed out in "
                } else {
                    "To protect the information on this screen, you will be signed out in "
                }}
                <strong data-testid="session-countdown">{clock}</strong>
                "."
            </p>
            // The clock above changes every second; this says it in steps.
            <p class="sr-only" aria-live="polite" data-testid="session-announcement">{move || announcement.get()}</p>
            <div class="mt-6 flex flex-wrap gap-3">
                <Show when=move || !at_limit()>
                    <button
                        type="button"
                        autofocus
                        class=style::PRIMARY_BUTTON
                        on:click={
                            let stay_signed_in = stay_signed_in.clone();
                            move |_| stay_signed_in()
                        }
                    >
                        "Stay signed in"
                    </button>
                </Show>
                <SignOutForm button_class="rounded-md border border-stone-300 px-4 py-2 font-medium text-stone-700 hover:bg-stone-100 focus:outline-none focus:ring-2 focus:ring-teal-600" />
            </div>
        </dialog>
    }
}

/// The Sign out button (header and warning alike). Works as a plain form
/// before the WASM arrives; once hydrated it also tells the other tabs.
#[component]
pub fn SignOutForm(button_class: &'static str) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <ActionForm action=sign_out>
            <CsrfField />
            <button
                type="submit"
                class=button_class
                on:click=move |_| {
                    #[cfg(feature = "hydrate")]
                    browser::announce(browser::SIGNED_OUT);
                }
            >
                "Sign out"
            </button>
        </ActionForm>
    }
}

/// Everything that needs the browser: timers, the dialog, other tabs.
#[cfg(feature = "hydrate")]
mod browser {
    use super::{Countdown, ENDED_URL};
    use crate::{
        api::{ExtendSession, session::get_session_status},
        error::AppError,
    };
    use leptos::{
        html::Dialog,
        prelude::*,
        task::spawn_local,
        wasm_bindgen::{JsCast, closure::Closure},
    };
    use std::{cell::RefCell, time::Duration};
    use web_sys::{BroadcastChannel, MessageEvent};

    const CHANNEL: &str = "cairn-session";

    type Handler = Closure<dyn FnMut(MessageEvent)>;

    thread_local! {
        /// One channel per page, for sending and receiving alike (a channel
        /// does not hear its own messages, so a tab never answers itself).
        static TABS: Option<BroadcastChannel> = BroadcastChannel::new(CHANNEL).ok();
        /// The current handler; replacing it drops the previous one.
        static ON_MESSAGE: RefCell<Option<(u64, Handler)>> = const { RefCell::new(None) };
        static GENERATION: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }
    const RESYNC_EVERY_SECS: i64 = 15;
    /// A session gone this long before its deadline was ended, not expired.
    const EARLY_MS: f64 = 5_000.0;
    /// The messages tabs exchange (nothing else, nothing sensitive).
    pub const EXTENDED: &str = "extended";
    pub const SIGNED_OUT: &str = "signed-out";
    pub const EXPIRED: &str = "expired";

    /// Tells the other tabs.
    pub fn announce(message: &str) {
        TABS.with(|tabs| {
            if let Some(tabs) = tabs {
                let _ = tabs.post_message(&message.into());
            }
        });
    }

    pub fn run(
        countdown: RwSignal<Option<Countdown>>,
        dialog: NodeRef<Dialog>,
        stay: ServerAction<ExtendSession>,
        csrf_token: String,
    ) {
        // The server said the end is near. Another tab may have kept the
        // session alive since this one last asked, so the local count
        // alone never opens the warning: crossing the threshold asks the
        // server first (no warning flashing in an idle tab).
        let confirmed = RwSignal::new(false);
        let warning =
            Memo::new(move |_| confirmed.get() && countdown.get().is_some_and(|c| c.warning()));
        // The deadline in browser time (ms), from the server's "seconds left".
        let deadline = RwSignal::new(None::<(f64, Countdown)>);
        let token = StoredValue::new(csrf_token);
        let leave = move |url: String, tell: Option<&'static str>| {
            leave(deadline, &token.get_value(), url, tell);
        };
        let expire = move || {
            if let Some((_, c)) = deadline.get_untracked() {
                leave(c.expired_url(), Some(EXPIRED));
            }
        };
        // The server has no session: at its time, it expired; well before,
        // it was ended (elsewhere, or by an administrator), and the person
        // is told so rather than blamed on inactivity.
        let ended = move || match deadline.get_untracked() {
            Some((at, _)) if at - now_ms() > EARLY_MS => leave(ENDED_URL.to_owned(), None),
            Some(_) => expire(),
            None => {}
        };

        let adopt = move |status: crate::model::SessionStatus| {
            let c = Countdown {
                left_secs: status.expires_in_secs,
                warn_before_secs: status.warn_before_secs,
                idle_timeout_secs: status.idle_timeout_secs,
                at_limit: status.at_limit,
                lifetime_secs: status.lifetime_secs,
            };
            deadline.set(Some((now_ms() + status.expires_in_secs as f64 * 1000.0, c)));
            countdown.set(Some(c));
            confirmed.set(c.warning());
        };
        let sync = move || {
            spawn_local(async move {
                match get_session_status().await {
                    Ok(status) if status.expires_in_secs > 0 => adopt(status),
                    Ok(_) | Err(AppError::Unauthenticated) => ended(),
                    // Unreachable for a moment: keep counting down locally,
                    // and warn on the local count.
                    Err(_) => confirmed.set(true),
                }
            });
        };

        // Other tabs: someone stayed (so re-read), or the session ended.
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            match event.data().as_string().as_deref() {
                Some(EXTENDED) => sync(),
                Some(SIGNED_OUT) if deadline.get_untracked().is_some() => {
                    deadline.set(None);
                    wipe();
                    follow_sign_out(FOLLOW_TRIES);
                }
                Some(EXPIRED) => {
                    if let Some((_, c)) = deadline.get_untracked() {
                        leave(c.expired_url(), None);
                    }
                }
                _ => {}
            }
        });
        TABS.with(|tabs| {
            if let Some(tabs) = tabs {
                tabs.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            }
        });
        let generation = GENERATION.with(|g| {
            g.set(g.get() + 1);
            g.get()
        });
        ON_MESSAGE.with(|slot| slot.replace(Some((generation, on_message))));
        // Unmounted (signed out, or replaced on navigation): stop listening,
        // unless a newer warning has already taken over.
        on_cleanup(move || {
            ON_MESSAGE.with(|slot| {
                let mut slot = slot.borrow_mut();
                if slot.as_ref().is_some_and(|(g, _)| *g == generation) {
                    TABS.with(|tabs| {
                        if let Some(tabs) = tabs {
                            tabs.set_onmessage(None);
                        }
                    });
                    *slot = None;
                }
            });
        });

        Effect::new(move |_| sync());

        let ticks = StoredValue::new(0i64);
        // Asked the server once on crossing the threshold (until it answers).
        let asked = StoredValue::new(false);
        if let Ok(handle) = set_interval_with_handle(
            move || {
                let Some((at, c)) = deadline.get_untracked() else {
                    return;
                };
                let left = ((at - now_ms()) / 1000.0).ceil() as i64;
                countdown.set(Some(Countdown {
                    left_secs: left,
                    ..c
                }));
                if left <= 0 {
                    expire();
                    return;
                }
                ticks.update_value(|t| *t += 1);
                let crossed = left <= c.warn_before_secs && !confirmed.get_untracked();
                if !crossed {
                    asked.set_value(false);
                }
                if ticks.get_value() % RESYNC_EVERY_SECS == 0 || (crossed && !asked.get_value()) {
                    if crossed {
                        asked.set_value(true);
                    }
                    sync();
                }
            },
            Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }

        // The dialog follows the warning.
        Effect::new(move |_| {
            let Some(dialog) = dialog.get() else { return };
            match (warning.get(), dialog.open()) {
                (true, false) => {
                    let _ = dialog.show_modal();
                }
                (false, true) => dialog.close(),
                _ => {}
            }
        });

        // Staying signed in: adopt the new deadline and tell the other tabs.
        Effect::new(move |_| {
            if let Some(Ok(status)) = stay.value().get() {
                adopt(status);
                announce(EXTENDED);
            }
        });
    }

    /// The time is up (or another tab ended the session): wipe the page at
    /// once, end the session on the server (when it ended here), and go to
    /// sign-in.
    fn leave(
        deadline: RwSignal<Option<(f64, Countdown)>>,
        csrf_token: &str,
        url: String,
        tell_others: Option<&'static str>,
    ) {
        // Once only: a tick, a resync and a message may all arrive.
        if deadline.get_untracked().is_none() {
            return;
        }
        deadline.set(None);
        let Some(window) = web_sys::window() else {
            return;
        };
        wipe();
        // Only the tab where it happened ends the session (a beacon outlives
        // the page) and tells the others. A tab that only heard about it must
        // not sign out too: its request would race the first tab's own
        // sign-out, and the loser's would be refused, stranding that page.
        if let Some(message) = tell_others {
            announce(message);
            if let Ok(params) = web_sys::UrlSearchParams::new_with_str("") {
                params.append("csrf_token", csrf_token);
                let _ = window
                    .navigator()
                    .send_beacon_with_opt_url_search_params("/api/sign-out", Some(&params));
            }
        }
        let _ = window.location().replace(&url);
    }

    /// Nothing of the page stays on screen.
    fn wipe() {
        if let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            body.set_inner_html(
                r#"<p class="m-8 text-lg">Signed out. Opening the sign-in page…</p>"#,
            );
        }
    }

    /// How many times (a quarter second apart) a tab that heard of a
    /// sign-out checks that the server has ended the session.
    const FOLLOW_TRIES: u32 = 20;

    /// Another tab signed out. It says so as it sends its request, so this
    /// tab waits until the server has ended the session (briefly, at most
    /// [`FOLLOW_TRIES`]); opening sign-in sooner could still render the page
    /// for the session that is about to end.
    fn follow_sign_out(tries_left: u32) {
        spawn_local(async move {
            let ended =
                !matches!(get_session_status().await, Ok(status) if status.expires_in_secs > 0);
            if ended || tries_left == 0 {
                if let Some(window) = web_sys::window() {
                    let _ = window.location().replace("/sign-in?reason=signed-out");
                }
            } else {
                set_timeout(
                    move || follow_sign_out(tries_left - 1),
                    Duration::from_millis(250),
                );
            }
        });
    }

    fn now_ms() -> f64 {
        js_sys::Date::now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_countdown_warns_inside_the_threshold_and_reads_as_a_clock() {
        let c = Countdown {
            left_secs: 65,
            warn_before_secs: 120,
            idle_timeout_secs: 900,
            at_limit: false,
            lifetime_secs: 43_200,
        };
        assert!(c.warning());
        assert_eq!(c.clock(), "1:05");
        assert_eq!(c.expired_url(), "/sign-in?reason=expired&after=900");
        assert!(
            !Countdown {
                left_secs: 121,
                ..c
            }
            .warning()
        );
        assert_eq!(Countdown { left_secs: -3, ..c }.clock(), "0:00");
    }

    /// At the absolute limit the sign-in page says so, not "inactivity".
    #[test]
    fn a_session_at_its_limit_ends_saying_so() {
        let c = Countdown {
            left_secs: 30,
            warn_before_secs: 120,
            idle_timeout_secs: 900,
            at_limit: true,
            lifetime_secs: 43_200,
        };
        assert_eq!(c.expired_url(), "/sign-in?reason=limit&after=43200");
    }

    /// The live region changes in steps, so a screen reader is not read
    /// the clock every second.
    #[test]
    fn the_announcement_changes_in_steps_not_every_second() {
        let at = |left_secs| {
            Countdown {
                left_secs,
                warn_before_secs: 120,
                idle_timeout_secs: 900,
                at_limit: false,
                lifetime_secs: 43_200,
            }
            .announcement()
        };
        assert_eq!(at(121), "");
        assert_eq!(at(120), "You will be signed out in 2 minutes.");
        assert_eq!(at(61), "You will be signed out in 2 minutes.");
        assert_eq!(at(60), "You will be signed out in 1 minute.");
        assert_eq!(at(31), "You will be signed out in 1 minute.");
        assert_eq!(at(30), "You will be signed out in 30 seconds.");
        assert_eq!(at(10), "You will be signed out in 10 seconds.");
        let distinct: std::collections::BTreeSet<String> = (1..=120).map(at).collect();
        assert_eq!(distinct.len(), 4, "{distinct:?}");
    }
}
