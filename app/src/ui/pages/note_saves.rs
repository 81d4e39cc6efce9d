//! How the note editor's saves reach the server. One at a time, each
//! continuing from the version the one before left, so autosave, the
//! "Save draft" button and leaving never race one another into an edit
//! conflict. And saving outlives the editor: words typed just before
//! following a link, closing the tab or reloading are kept.

use crate::{api::notes::SaveNote, error::AppError, model::chart::SavedNote};
use leptos::prelude::*;
use std::sync::Arc;
use uuid::Uuid;

/// Which note and version the server last accepted. Outside the reactive
/// graph on purpose: the editor's signals are gone once it closes, and a
/// save sent as it closes must still know what it continues.
#[derive(Debug, Clone, Copy, Default)]
struct Landed {
    note_id: Option<Uuid>,
    version: i32,
}

/// The editor's line to the server: one save at a time.
#[derive(Clone)]
pub(super) struct Saves {
    landed: Arc<futures::lock::Mutex<Landed>>,
}

impl Saves {
    pub(super) fn new(note_id: Option<Uuid>, version: i32) -> Self {
        Self {
            landed: Arc::new(futures::lock::Mutex::new(Landed { note_id, version })),
        }
    }

    /// Sends `draft` once any save in flight has answered, as the next
    /// version of what that one left (whatever note id and version the
    /// draft carried when it was made).
    pub(super) async fn send(&self, mut draft: SaveNote) -> Result<SavedNote, AppError> {
        use leptos::server_fn::ServerFn;
        let mut landed = self.landed.lock().await;
        landed.stamp(&mut draft);
        let answer = draft.run_on_client().await;
        if let Ok(saved) = &answer {
            landed.note_id = Some(saved.id);
            landed.version = saved.version;
        }
        answer
    }

    /// For a page being unloaded (the tab closed or reloaded, a link out of
    /// the app followed): hands the draft to the browser as a beacon, which
    /// it delivers after the page is gone. False when that cannot be done:
    /// a save is still in flight (so the version this one follows is not
    /// known yet), or the browser refused the beacon.
    #[cfg(feature = "hydrate")]
    pub(super) fn send_on_unload(&self, mut draft: SaveNote) -> bool {
        let Some(landed) = self.landed.try_lock() else {
            return false;
        };
        landed.stamp(&mut draft);
        let Some(window) = web_sys::window() else {
            return false;
        };
        let Ok(params) = web_sys::UrlSearchParams::new_with_str("") else {
            return false;
        };
        for (name, value) in form_fields(&draft) {
            params.append(name, &value);
        }
        let path = <SaveNote as leptos::server_fn::ServerFn>::PATH;
        window
            .navigator()
            .send_beacon_with_opt_url_search_params(path, Some(&params))
            .unwrap_or(false)
    }

    /// Whether a save is on its way (or waiting for the one before).
    #[cfg(feature = "hydrate")]
    pub(super) fn busy(&self) -> bool {
        self.landed.try_lock().is_none()
    }
}

/// Keeps what was typed when the page itself goes (a closed or reloaded
/// tab, a link out of the app): it is sent by beacon. Asks first only
/// when it cannot be sent: the last save was refused (the person decides),
/// or a save is still in flight. Links inside the app close the editor,
/// which saves on its way out; when the last save was refused, they too
/// ask first. Removed with the editor.
#[cfg(feature = "hydrate")]
pub(super) fn leave_guard(
    saves: Saves,
    dirty: Memo<bool>,
    last: Signal<Option<Result<SavedNote, AppError>>>,
    draft: impl Fn() -> SaveNote + 'static,
) {
    use leptos::{ev, wasm_bindgen::JsCast, wasm_bindgen::closure::Closure};
    let unsaved = move || dirty.try_get_untracked() == Some(true);
    let refused = move || unsaved() && matches!(last.try_get_untracked(), Some(Some(Err(_))));
    let ask = window_event_listener(ev::beforeunload, {
        let saves = saves.clone();
        move |ev| {
            if refused() || (unsaved() && saves.busy()) {
                ev.prevent_default();
                ev.set_return_value("unsaved");
            }
        }
    });
    let send = window_event_listener(ev::pagehide, move |_| {
        if unsaved() && !refused() {
            saves.send_on_unload(draft());
        }
    });
    // Back from the back-forward cache after a beacon, the page's idea of
    // the draft's version is old: read the note again.
    let back = window_event_listener(ev::pageshow, |ev| {
        if ev.persisted()
            && let Some(window) = web_sys::window()
        {
            let _ = window.location().reload();
        }
    });
    // Before the router's own handler (which ignores a prevented click).
    let on_link = Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
        let on_a_link = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("a[href]").ok().flatten())
            .is_some();
        if on_a_link && refused() {
            let leave = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(
                        "This note has changes that were not saved. Leave anyway?",
                    )
                    .ok()
                })
                .unwrap_or(true);
            if !leave {
                ev.prevent_default();
            }
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window.add_event_listener_with_callback_and_bool(
            "click",
            on_link.as_ref().unchecked_ref(),
            true,
        );
    }
    let on_link = send_wrapper::SendWrapper::new(on_link);
    on_cleanup(move || {
        ask.remove();
        send.remove();
        back.remove();
        if let Some(window) = web_sys::window() {
            let _ = window.remove_event_listener_with_callback_and_bool(
                "click",
                (*on_link).as_ref().unchecked_ref(),
                true,
            );
        }
    });
}

/// The server renders no listeners.
#[cfg(not(feature = "hydrate"))]
pub(super) fn leave_guard(
    _saves: Saves,
    _dirty: Memo<bool>,
    _last: Signal<Option<Result<SavedNote, AppError>>>,
    _draft: impl Fn() -> SaveNote + 'static,
) {
}

impl Landed {
    fn stamp(&self, draft: &mut SaveNote) {
        draft.note_id = self.note_id.map(|id| id.to_string()).unwrap_or_default();
        draft.version = self.version;
    }
}

/// The draft as the form's fields, as the plain form would post them.
#[cfg(any(feature = "hydrate", test))]
fn form_fields(draft: &SaveNote) -> [(&'static str, String); 13] {
    [
        ("csrf_token", draft.csrf_token.clone()),
        ("patient_id", draft.patient_id.to_string()),
        ("note_id", draft.note_id.clone()),
        ("version", draft.version.to_string()),
        ("kind", draft.kind.clone()),
        ("shared", draft.shared.clone()),
        ("template", draft.template.clone()),
        ("session_date", draft.session_date.clone()),
        ("subjective", draft.subjective.clone()),
        ("objective", draft.objective.clone()),
        ("data", draft.data.clone()),
        ("assessment", draft.assessment.clone()),
        ("plan", draft.plan.clone()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The beacon's fields are the server function's arguments, every one:
    /// a field left out would be saved as empty.
    #[test]
    fn the_beacon_carries_every_argument_of_save_note() {
        let draft = SaveNote {
            csrf_token: "t".into(),
            patient_id: Uuid::nil(),
            note_id: String::new(),
            version: 3,
            kind: "progress".into(),
            shared: "false".into(),
            template: "soap".into(),
            session_date: "2026-12-01".into(),
            subjective: "s".into(),
            objective: "o".into(),
            data: "d".into(),
            assessment: "a".into(),
            plan: "p".into(),
        };
        let encoded = serde_json::to_value(&draft).expect("a draft serializes");
        let arguments = encoded.as_object().expect("an object");
        let fields = form_fields(&draft);
        assert_eq!(fields.len(), arguments.len());
        for (name, value) in fields {
            let argument = arguments
                .get(name)
                .unwrap_or_else(|| panic!("{name} is an argument"));
            let expected = match argument {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(value, expected, "{name}");
        }
    }
}
