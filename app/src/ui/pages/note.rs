//! A note (progress or psychotherapy): the editor for one's own draft (saved as you type,
//! each save naming the version it started from, so two editors never
//! overwrite each other silently), and the locked view of a signed note
//! with its dated addenda.
//!
//! The editor is a plain form too: before the WASM arrives, "Save draft"
//! posts it like any form. Autosave, the saved/unsaved state and signing
//! in place come with hydration.

use crate::{
    api::{
        chart::get_patient_name,
        notes::{AddAddendum, MarkSudNote, ShareNote, get_note},
    },
    error::AppError,
    model::chart::{NoteKind, NoteStatus, NoteView, SavedNote},
    ui::components::{
        CsrfField, FormAlert, LoadFailed, clear_on_success, field_error, form_error, style,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::note_editor::{LabelledInput, NoteEditor};

/// `/patients/:id/notes/new`: a fresh draft for that patient, named in
/// the heading before anything is typed.
#[component]
pub fn NewNotePage() -> impl IntoView {
    let params = use_params_map();
    let patient = params.with_untracked(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok()));
    let navigate = leptos_router::hooks::use_navigate();
    let name = Resource::new(
        move || patient,
        |patient| async move {
            match patient {
                Some(id) => get_patient_name(id).await.map(|name| (id, name)),
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="New note" />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let navigate = navigate.clone();
                Suspend::new(async move {
                    match name.await {
                        Ok((patient_id, patient_name)) => view! {
                            <NoteEditor
                                patient_id
                                patient_name
                                note=None
                                on_signed=Callback::new(move |saved: SavedNote| navigate(&format!("/notes/{}", saved.id), Default::default()))
                            />
                        }.into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// `/notes/:id`: one's own draft in the editor; anything else read-only.
#[component]
pub fn NotePage() -> impl IntoView {
    let params = use_params_map();
    let id =
        Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok())));
    // Bumped after signing or adding an addendum: the note is read again.
    let changed = RwSignal::new(0_u32);
    let note = Resource::new(
        move || (id.get(), changed.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_note(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let refresh = Callback::new(move |_: SavedNote| changed.update(|n| *n += 1));
    view! {
        <Title text="Note" />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match note.await {
                    Ok(note) if note.status == NoteStatus::Draft && note.mine => view! {
                        <NoteEditor patient_id=note.patient_id patient_name=note.patient_name.clone() note=Some(note) on_signed=refresh />
                    }.into_any(),
                    Ok(note) => view! { <NoteReader note changed /> }.into_any(),
                    Err(error) => view! { <LoadFailed error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A signed note (or someone else's draft), read-only, with its addenda.
#[component]
fn NoteReader(note: NoteView, changed: RwSignal<u32>) -> impl IntoView {
    let back = format!("/patients/{}?tab=notes", note.patient_id);
    let signed = note.status == NoteStatus::Signed;
    let state = match &note.signed_at {
        Some(at) => format!("Signed by {} on {at} · locked", note.author),
        None => format!(
            "Draft by {} · only its author can edit or sign it",
            note.author
        ),
    };
    let sections: Vec<(&'static str, String)> = note
        .template
        .sections()
        .iter()
        .map(|s| (s.heading, note.section(s.field).to_owned()))
        .collect();
    view! {
        <Title text=format!("Note · {}", note.patient_name) />
        <article class="max-w-3xl space-y-6" data-testid="note">
            <header class="space-y-1">
                <p class="text-sm text-stone-600"><a href=back class="underline">"Back to the chart"</a></p>
                <h1 class="text-2xl font-semibold">{format!("{} · {}", note.kind.label(), note.patient_name)}</h1>
                <p class="text-stone-700">{format!("Session {} · {} template", crate::model::day::readable(&note.session_date), note.template.label())}</p>
                <p class="text-sm text-stone-600" data-testid="note-kind">{note.kind.readers(note.shared)}</p>
                {(note.mine && note.kind == NoteKind::Psychotherapy).then(|| view! { <Sharing note_id=note.id shared=note.shared changed /> })}
                {note.sud.then(|| view! {
                    <p class="inline-block rounded-full bg-amber-100 px-3 py-1 text-sm font-medium text-amber-950" data-testid="note-sud">
                        "Substance-use counseling (42 CFR Part 2): leaves the practice only with the patient's consent"
                    </p>
                })}
                {note.mine.then(|| view! { <SudMarking note_id=note.id sud=note.sud changed /> })}
                <p class="inline-block rounded-full bg-stone-100 px-3 py-1 text-sm font-medium text-stone-800" data-testid="note-state">{state}</p>
            </header>
            {sections.into_iter().map(|(heading, text)| view! {
                <section class="space-y-1">
                    <h2 class="font-semibold">{heading}</h2>
                    <p class="whitespace-pre-wrap text-stone-800">{text}</p>
                </section>
            }).collect_view()}
            {signed.then(|| view! { <Addenda note=note.clone() changed /> })}
        </article>
    }
}

/// The author's switch: share a psychotherapy note with the care team, or
/// stop.
#[component]
fn Sharing(note_id: Uuid, shared: bool, changed: RwSignal<u32>) -> impl IntoView {
    let share = ServerAction::<ShareNote>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = share.value().get() {
            changed.update(|n| *n += 1);
        }
    });
    let label = if shared {
        "Stop sharing with the care team"
    } else {
        "Share with the care team"
    };
    view! {
        <ActionForm action=share attr:class="pt-1">
            <CsrfField />
            <input type="hidden" name="note_id" value=note_id.to_string() />
            <input type="hidden" name="shared" value=(!shared).to_string() />
            <button type="submit" class=style::SECONDARY_BUTTON disabled=move || share.pending().get()>{label}</button>
            <FormAlert message=form_error(share.value()) />
        </ActionForm>
    }
}

/// The author's switch: mark the note as one of substance-use disorder
/// counseling (42 CFR Part 2), or not.
#[component]
fn SudMarking(note_id: Uuid, sud: bool, changed: RwSignal<u32>) -> impl IntoView {
    let mark = ServerAction::<MarkSudNote>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = mark.value().get() {
            changed.update(|n| *n += 1);
        }
    });
    let label = if sud {
        "Not a substance-use counseling note"
    } else {
        "Mark as substance-use counseling (42 CFR Part 2)"
    };
    view! {
        <ActionForm action=mark attr:class="pt-1">
            <CsrfField />
            <input type="hidden" name="note_id" value=note_id.to_string() />
            <input type="hidden" name="sud" value=(!sud).to_string() />
            <button type="submit" class=style::SECONDARY_BUTTON disabled=move || mark.pending().get()>{label}</button>
            <FormAlert message=form_error(mark.value()) />
        </ActionForm>
    }
}

#[component]
fn Addenda(note: NoteView, changed: RwSignal<u32>) -> impl IntoView {
    let add = ServerAction::<AddAddendum>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = add.value().get() {
            changed.update(|n| *n += 1);
        }
    });
    view! {
        <section aria-labelledby="addenda-heading" class="space-y-3 border-t border-stone-200 pt-4">
            <h2 id="addenda-heading" class="text-lg font-semibold">"Addenda"</h2>
            {if note.addenda.is_empty() {
                view! { <p class="text-stone-600">"None. A correction or later addition is added here, dated; the signed text stays as it was."</p> }.into_any()
            } else {
                view! {
                    <ol class="space-y-3" data-testid="addenda">
                        {note.addenda.into_iter().map(|a| view! {
                            <li class="rounded-md border border-stone-200 bg-white p-3">
                                <p class="text-sm text-stone-600">{format!("{} · {}", a.author, a.written_at)}</p>
                                <p class="whitespace-pre-wrap">{a.text}</p>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <ActionForm action=add node_ref=clear_on_success(add.value()) attr:class="space-y-2" attr:novalidate=true>
                <CsrfField />
                <input type="hidden" name="note_id" value=note.id.to_string() />
                <LabelledInput name="text" label="Add an addendum" error=field_error(add.value(), "text")>
                    <textarea id="text" name="text" rows="3" aria-describedby="text-error" class=style::FIELD></textarea>
                </LabelledInput>
                <FormAlert message=form_error(add.value()) />
                <button type="submit" class=style::SECONDARY_BUTTON disabled=move || add.pending().get()>"Add addendum"</button>
            </ActionForm>
        </section>
    }
}
