//! The draft editor: the sections of the note's template, saved as you type
//! (each save naming the version it started from, so two editors never
//! overwrite each other silently), the saved/unsaved state, the kind and
//! sharing of a new note, and signing in place.
//!
//! The editor is a plain form too: before the WASM arrives, "Save draft"
//! posts it like any form. Autosave, the saved/unsaved state and signing
//! in place come with hydration.

use crate::{
    api::notes::{SaveNote, SignNote},
    error::AppError,
    model::chart::{NoteKind, NoteTemplate, NoteView, SECTION_FIELDS, SavedNote},
    ui::{
        components::{CsrfField, FormAlert, field_error, form_error, style},
        csrf_token,
    },
};
use leptos::prelude::*;
use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};
use uuid::Uuid;

use super::note_saves::{Saves, leave_guard};

/// How long typing must pause before a draft saves itself.
const AUTOSAVE_AFTER: std::time::Duration = std::time::Duration::from_millis(1500);

/// The draft editor.
#[component]
pub(super) fn NoteEditor(
    patient_id: Uuid,
    /// Named in the heading: a note in the wrong chart is worse than none.
    patient_name: String,
    note: Option<NoteView>,
    on_signed: Callback<SavedNote>,
) -> impl IntoView {
    let saves = Saves::new(
        note.as_ref().map(|n| n.id),
        note.as_ref().map_or(0, |n| n.version),
    );
    // Every save (autosave, the button, leaving) goes through `saves`, one
    // at a time; the action carries the count of edits its draft holds.
    let save = Action::new({
        let saves = saves.clone();
        move |(draft, at): &(SaveNote, u64)| {
            let (saves, draft, at) = (saves.clone(), draft.clone(), *at);
            async move { (at, saves.send(draft).await) }
        }
    });
    let last_save = Signal::derive(move || save.value().get().map(|(_, answer)| answer));
    let sign = ServerAction::<SignNote>::new();
    let note_id = RwSignal::new(note.as_ref().map(|n| n.id));
    let version = RwSignal::new(note.as_ref().map_or(0, |n| n.version));
    let template = RwSignal::new(note.as_ref().map_or(NoteTemplate::Soap, |n| n.template));
    let kind = RwSignal::new(note.as_ref().map_or(NoteKind::Progress, |n| n.kind));
    let shared = RwSignal::new(note.as_ref().is_some_and(|n| n.shared));
    let session_date = RwSignal::new(
        note.as_ref()
            .map_or_else(String::new, |n| n.session_date.clone()),
    );
    let sections: BTreeMap<&'static str, RwSignal<String>> = SECTION_FIELDS
        .iter()
        .map(|field| {
            let text = note.as_ref().map_or("", |n| n.section(field)).to_owned();
            (*field, RwSignal::new(text))
        })
        .collect();
    let sections = StoredValue::new(sections);
    // Edits made, and the count the last accepted save carried: the draft
    // is clean when they agree.
    let edits = RwSignal::new(0_u64);
    let saved_edits = RwSignal::new(0_u64);
    let dirty = Memo::new(move |_| edits.get() != saved_edits.get());
    let token = csrf_token();

    // The draft as typed now. Its note id and version are stamped by
    // `saves` when it is sent.
    let draft = move || SaveNote {
        csrf_token: token.get_untracked().unwrap_or_default(),
        patient_id,
        note_id: String::new(),
        version: 0,
        kind: kind.get_untracked().as_str().to_owned(),
        shared: shared.get_untracked().to_string(),
        template: template.get_untracked().as_str().to_owned(),
        session_date: session_date.get_untracked(),
        subjective: section_text(sections, "subjective"),
        objective: section_text(sections, "objective"),
        data: section_text(sections, "data"),
        assessment: section_text(sections, "assessment"),
        plan: section_text(sections, "plan"),
    };
    let save_now = move || {
        save.dispatch((draft(), edits.get_untracked()));
    };

    // What a save answers: the note's id and version move on; a refusal
    // keeps every word in the editor.
    Effect::new(move |_| {
        if let Some((at, Ok(saved))) = save.value().get() {
            note_id.set(Some(saved.id));
            version.set(saved.version);
            saved_edits.update(|n| *n = (*n).max(at));
            remember_address(saved.id);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(signed)) = sign.value().get() {
            on_signed.run(signed);
        }
    });
    // Autosave: after a pause in typing, unless the last save was refused
    // (a conflict or a rule): then the person decides. Runs again after
    // each save, so edits made while one was in flight are saved in turn.
    let timer = Arc::new(Mutex::new(None::<TimeoutHandle>));
    Effect::new({
        let timer = timer.clone();
        move |_| {
            let count = edits.get();
            save.value().track();
            if count == 0 {
                return;
            }
            let mut timer = timer
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(handle) = timer.take() {
                handle.clear();
            }
            *timer = set_timeout_with_handle(
                move || {
                    // A closed editor's timer is cleared, but never reach
                    // for its signals here regardless.
                    let refused = matches!(last_save.try_get_untracked(), Some(Some(Err(_))));
                    if dirty.try_get_untracked() == Some(true) && !refused {
                        save_now();
                    }
                },
                AUTOSAVE_AFTER,
            )
            .ok();
        }
    });
    // Leaving: the timer goes with the editor, and what was typed since
    // the last save is sent (after any save in flight). This runs while
    // the editor's signals still exist.
    on_cleanup({
        let saves = saves.clone();
        move || {
            if let Some(handle) = timer.lock().unwrap_or_else(|p| p.into_inner()).take() {
                handle.clear();
            }
            if dirty.try_get_untracked() == Some(true) {
                let draft = draft();
                leptos::task::spawn_local(async move {
                    // Nobody is left to show the answer; a refusal keeps
                    // the last accepted version on the server.
                    let _ = saves.send(draft).await;
                });
            }
        }
    });
    leave_guard(saves, dirty, last_save, draft);
    let on_edit = move || edits.update(|n| *n += 1);

    let state = move || {
        if save.pending().get() {
            "Saving…".to_owned()
        } else if let Some(Err(error)) = last_save.get() {
            match error {
                AppError::Invalid(_) => "Not saved: check the highlighted fields.".to_owned(),
                _ => "Not saved.".to_owned(),
            }
        } else if dirty.get() {
            "Unsaved changes".to_owned()
        } else if let Some(Ok(saved)) = last_save.get() {
            format!("Draft saved at {}", saved.saved_at)
        } else if note_id.get().is_some() {
            "Draft saved".to_owned()
        } else {
            "New draft: not saved yet".to_owned()
        }
    };
    // A refusal to sign names what to fix; once the person edits, it has
    // done its job and goes (a later save or signing answers for itself).
    let refused_sign_at = RwSignal::new(None::<u64>);
    Effect::new(move |_| {
        if matches!(sign.value().get(), Some(Err(_))) {
            refused_sign_at.set(Some(edits.get_untracked()));
        }
    });
    let sign_is_current = move || refused_sign_at.get() == Some(edits.get());
    let field = move |name: &'static str| {
        let saving = field_error(last_save, name);
        let signing = field_error(sign.value(), name);
        Signal::derive(move || {
            saving
                .get()
                .or_else(|| signing.get().filter(|_| sign_is_current()))
        })
    };
    let problem = Signal::derive(move || {
        form_error(last_save)
            .get()
            .or_else(|| form_error(sign.value()).get().filter(|_| sign_is_current()))
    });
    let back = format!("/patients/{patient_id}?tab=notes");
    let save_path = <SaveNote as leptos::server_fn::ServerFn>::PATH;
    view! {
        <div class="max-w-3xl space-y-6">
            <header class="space-y-1">
                <p class="text-sm text-stone-600"><a href=back class="underline">"Back to the chart"</a></p>
                <h1 class="text-2xl font-semibold">
                    {move || if note_id.get().is_none() {
                        format!("New {} · {patient_name}", kind.get().label().to_lowercase())
                    } else {
                        format!("{} · {patient_name}", kind.get().label())
                    }}
                </h1>
                <p role="status" aria-live="polite" class="text-sm text-stone-600" data-testid="save-state">{state}</p>
            </header>
            // A plain form before hydration; after it, the same save as
            // autosave's, in turn with it.
            <form
                method="post"
                action=save_path
                class="space-y-5"
                novalidate=true
                on:submit=move |ev| { ev.prevent_default(); save_now(); }
            >
                <CsrfField />
                <input type="hidden" name="patient_id" value=patient_id.to_string() />
                <input type="hidden" name="note_id" prop:value=move || note_id.get().map(|id| id.to_string()).unwrap_or_default() />
                <input type="hidden" name="version" prop:value=move || version.get().to_string() />
                <KindChoice kind shared fixed=Signal::derive(move || note_id.get().is_some()) error=field("kind") on_edit=Callback::new(move |()| on_edit()) />
                <div class="grid gap-4 sm:grid-cols-2">
                    <LabelledInput name="session_date" label="Session date" error=field("session_date")>
                        <input
                            id="session_date"
                            name="session_date"
                            type="date"
                            prop:value=move || session_date.get()
                            on:input=move |ev| { session_date.set(event_target_value(&ev)); on_edit(); }
                            aria-invalid=move || field("session_date").get().is_some().to_string()
                            aria-describedby="session_date-error"
                            class=style::FIELD
                        />
                    </LabelledInput>
                    <LabelledInput name="template" label="Template" error=field("template")>
                        <select
                            id="template"
                            name="template"
                            on:change=move |ev| {
                                if let Ok(chosen) = event_target_value(&ev).parse() { template.set(chosen); }
                                on_edit();
                            }
                            aria-describedby="template-error"
                            class=style::FIELD
                        >
                            {NoteTemplate::ALL.iter().map(|t| {
                                let t = *t;
                                view! { <option value=t.as_str() selected=move || template.get() == t>{t.label()}</option> }
                            }).collect_view()}
                        </select>
                    </LabelledInput>
                </div>
                {move || template.get().sections().iter().map(|section| {
                    let text = sections.with_value(|s| s[section.field]);
                    let name = section.field;
                    let hint_id = format!("{name}-hint");
                    let error_id = format!("{name}-error");
                    let error = field(name);
                    view! {
                        <div class="space-y-1">
                            <label for=name class="block font-medium text-stone-800">{section.heading}</label>
                            <p id=hint_id.clone() class="text-sm text-stone-600">{section.hint}</p>
                            <textarea
                                id=name
                                name=name
                                rows="5"
                                prop:value=move || text.get()
                                on:input=move |ev| { text.set(event_target_value(&ev)); on_edit(); }
                                aria-invalid=move || error.get().is_some().to_string()
                                aria-describedby=format!("{hint_id} {error_id}")
                                class=style::FIELD
                            ></textarea>
                            <p id=error_id class="min-h-5 text-sm text-red-800">{move || error.get()}</p>
                        </div>
                    }
                }).collect_view()}
                <FormAlert message=problem />
                <div class="flex flex-wrap items-center gap-3">
                    <button type="submit" class=style::SECONDARY_BUTTON disabled=move || save.pending().get()>
                        "Save draft"
                    </button>
                </div>
            </form>
            <SignForm sign note_id version dirty=dirty.into() />
        </div>
    }
}

fn section_text(
    sections: StoredValue<BTreeMap<&'static str, RwSignal<String>>>,
    field: &str,
) -> String {
    sections.with_value(|s| s.get(field).map(|t| t.get_untracked()).unwrap_or_default())
}

/// Once a new draft is saved, the address becomes the note's own, so a
/// reload or a bookmark opens it (without reloading the editor).
fn remember_address(id: Uuid) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let path = format!("/notes/{id}");
        if window.location().pathname().ok().as_deref() != Some(path.as_str())
            && let Ok(history) = window.history()
        {
            let _ =
                history.replace_state_with_url(&js_sys::JsString::from("").into(), "", Some(&path));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// "Sign and lock": only for a saved draft with nothing unsaved.
#[component]
fn SignForm(
    sign: ServerAction<SignNote>,
    note_id: RwSignal<Option<Uuid>>,
    version: RwSignal<i32>,
    dirty: Signal<bool>,
) -> impl IntoView {
    let blocked = move || note_id.get().is_none() || dirty.get() || sign.pending().get();
    view! {
        <section aria-labelledby="sign-heading" class="space-y-2 rounded-xl border border-stone-200 bg-white p-4">
            <h2 id="sign-heading" class="font-semibold">"Sign"</h2>
            <p class="text-sm text-stone-700">
                "Signing locks the note: its text can no longer change, and corrections are added as dated addenda. Every section must be written."
            </p>
            <ActionForm action=sign>
                <CsrfField />
                <input type="hidden" name="note_id" prop:value=move || note_id.get().map(|id| id.to_string()).unwrap_or_default() />
                <input type="hidden" name="version" prop:value=move || version.get().to_string() />
                <button type="submit" class=style::PRIMARY_BUTTON disabled=blocked>
                    {move || if sign.pending().get() { "Signing…" } else { "Sign and lock note" }}
                </button>
                <p class="mt-1 text-sm text-stone-600">
                    {move || (note_id.get().is_none() || dirty.get()).then_some("Save the draft first; signing uses the saved text.")}
                </p>
            </ActionForm>
        </section>
    }
}

/// Which kind of note this is (chosen until the first save, then fixed)
/// and, for a psychotherapy note, whether the care team may read it.
#[component]
fn KindChoice(
    kind: RwSignal<NoteKind>,
    shared: RwSignal<bool>,
    fixed: Signal<bool>,
    error: Signal<Option<String>>,
    on_edit: Callback<()>,
) -> impl IntoView {
    let choice = move |k: NoteKind| {
        let id = format!("kind-{}", k.as_str());
        let label_for = id.clone();
        view! {
            <label for=label_for class="flex items-start gap-2 rounded-md border border-stone-200 bg-white p-3">
                <input
                    id=id
                    type="radio"
                    name="kind"
                    value=k.as_str()
                    prop:checked=move || kind.get() == k
                    on:change=move |_| { kind.set(k); on_edit.run(()); }
                    aria-describedby="kind-error"
                    class="mt-1"
                />
                <span>
                    <span class="block font-medium text-stone-800">{k.label()}</span>
                    <span class="block text-sm text-stone-600">{k.readers(false)}</span>
                </span>
            </label>
        }
    };
    view! {
        <Show
            when=move || !fixed.get()
            fallback=move || view! {
                <input type="hidden" name="kind" prop:value=move || kind.get().as_str() />
                <p class="text-sm text-stone-700" data-testid="note-kind">{move || kind.get().readers(shared.get())}</p>
            }
        >
            <fieldset class="space-y-2">
                <legend class="text-sm font-medium text-stone-800">"Kind of note"</legend>
                <div class="grid gap-2 sm:grid-cols-2">
                    {choice(NoteKind::Progress)}
                    {choice(NoteKind::Psychotherapy)}
                </div>
                <p id="kind-error" class="min-h-5 text-sm text-red-800">{move || error.get()}</p>
            </fieldset>
        </Show>
        <Show when=move || kind.get() == NoteKind::Psychotherapy>
            <label for="shared" class="flex items-start gap-2 text-sm text-stone-800">
                <input
                    id="shared"
                    type="checkbox"
                    name="shared"
                    prop:checked=move || shared.get()
                    on:change=move |ev| { shared.set(event_target_checked(&ev)); on_edit.run(()); }
                    class="mt-1"
                />
                <span>"Share with the care team (they may then read it and add addenda; it still never reaches the portal)"</span>
            </label>
        </Show>
    }
}

/// A label, a control given as children, and the control's message slot.
#[component]
pub(super) fn LabelledInput(
    name: &'static str,
    label: &'static str,
    error: Signal<Option<String>>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="space-y-1">
            <label for=name class="block text-sm font-medium text-stone-800">{label}</label>
            {children()}
            <p id=format!("{name}-error") class="min-h-5 text-sm text-red-800">{move || error.get()}</p>
        </div>
    }
}
