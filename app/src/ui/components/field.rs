//! Form fields with their messages next to them, wired for screen readers
//! (`aria-invalid`, `aria-describedby`).

use super::style;
use crate::error::AppError;
use leptos::prelude::*;

/// A labelled text input with its error message.
#[component]
pub fn TextField(
    /// The form field name (also the id).
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    /// Which on-screen keyboard phones show (`numeric` for codes).
    #[prop(optional)]
    inputmode: Option<&'static str>,
    /// The message for this field, when the last submission broke a rule.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// What the field holds when the page opens (a filter from the URL).
    #[prop(optional, into)]
    value: String,
    /// The element id when `name` is not unique on the page (one form per
    /// row of a list); `name` otherwise.
    #[prop(optional, into)]
    id: Option<String>,
    /// Where the page starts: the one thing to type on it (a code). The
    /// browser honours it on a page load; the layout, on arrival by a link.
    #[prop(optional)]
    autofocus: bool,
    /// Choices offered as the person types (a `datalist`); anything else
    /// may still be typed.
    #[prop(optional)]
    suggestions: &'static [&'static str],
) -> impl IntoView {
    let id = id.unwrap_or_else(|| name.to_owned());
    let error_id = format!("{id}-error");
    let list_id = (!suggestions.is_empty()).then(|| format!("{id}-choices"));
    view! {
        <div class="space-y-1">
            <label for=id.clone() class="block text-sm font-medium text-stone-800">{label}</label>
            <input
                id=id
                name=name
                type=input_type
                value=value
                autocomplete=autocomplete
                autofocus=autofocus
                inputmode=inputmode
                list=list_id.clone()
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=error_id.clone()
                class=FIELD_CLASS
            />
            {list_id.map(|list_id| view! {
                <datalist id=list_id>
                    {suggestions.iter().map(|choice| view! { <option value=*choice></option> }).collect_view()}
                </datalist>
            })}
            <FieldMessage id=error_id error />
        </div>
    }
}

/// A labelled multi-line field with a hint under the label and its error
/// message: for lists typed one item per line, and free text.
#[component]
pub fn TextAreaField(
    name: &'static str,
    label: &'static str,
    /// What belongs in it, or how to type it.
    hint: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
    /// What it holds when the form opens.
    #[prop(optional, into)]
    value: String,
    #[prop(default = 4)] rows: u32,
    /// As for [`TextField`]: the element id when `name` is not unique.
    #[prop(optional, into)]
    id: Option<String>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| name.to_owned());
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = format!("{hint_id} {error_id}");
    view! {
        <div class="space-y-1">
            <label for=id.clone() class="block text-sm font-medium text-stone-800">{label}</label>
            <p id=hint_id class="text-sm text-stone-600">{hint}</p>
            <textarea
                id=id
                name=name
                rows=rows
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=described
                class=FIELD_CLASS
            >
                {value}
            </textarea>
            <FieldMessage id=error_id error />
        </div>
    }
}

/// A labelled drop-down with its error message; `children` are the options.
#[component]
pub fn SelectField(
    name: &'static str,
    label: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
    /// As for [`TextField`]: the element id when `name` is not unique.
    #[prop(optional, into)]
    id: Option<String>,
    children: Children,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| name.to_owned());
    let error_id = format!("{id}-error");
    view! {
        <div class="space-y-1">
            <label for=id.clone() class="block text-sm font-medium text-stone-800">{label}</label>
            <select
                id=id
                name=name
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=error_id.clone()
                class=FIELD_CLASS
            >
                {children()}
            </select>
            <FieldMessage id=error_id error />
        </div>
    }
}

/// A password input with a Show/Hide button (the button needs the WASM;
/// the field works without it).
#[component]
pub fn PasswordField(
    name: &'static str,
    label: &'static str,
    #[prop(default = "current-password")] autocomplete: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let shown = RwSignal::new(false);
    let error_id = format!("{name}-error");
    view! {
        <div class="space-y-1">
            <label for=name class="block text-sm font-medium text-stone-800">{label}</label>
            <div class="flex gap-2">
                <input
                    id=name
                    name=name
                    type=move || if shown.get() { "text" } else { "password" }
                    autocomplete=autocomplete
                    aria-invalid=move || error.get().is_some().to_string()
                    aria-describedby=error_id.clone()
                    class=FIELD_CLASS
                />
                <button
                    type="button"
                    aria-controls=name
                    aria-pressed=move || shown.get().to_string()
                    on:click=move |_| shown.update(|s| *s = !*s)
                    class="rounded-md border border-stone-300 px-3 text-sm font-medium text-stone-700 hover:bg-stone-100"
                >
                    {move || if shown.get() { "Hide" } else { "Show" }}
                </button>
            </div>
            <FieldMessage id=error_id error />
        </div>
    }
}

/// The message for field `name` from the last submission of a form
/// (`action.value()`), when it broke a rule.
pub fn field_error<T, S>(last: S, name: &'static str) -> Signal<Option<String>>
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || last.get().and_then(Result::err).and_then(|e| e.field(name)))
}

/// The form-level message from the last submission: any error that is not
/// about one field (those show next to their field).
pub fn form_error<T, S>(last: S) -> Signal<Option<String>>
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || match last.get() {
        Some(Err(AppError::Invalid(_))) | Some(Ok(_)) | None => None,
        Some(Err(other)) => Some(other.to_string()),
    })
}

/// Counts an action's successes. Key a resource on this rather than on
/// the action's version when the view it feeds holds that action's own
/// form: re-reading after a refused attempt would rebuild the form while
/// the person is typing their next try, and lose it.
pub fn successes<T>(
    last: MappedSignal<Option<Result<T, AppError>>>,
    version: RwSignal<usize>,
) -> Memo<usize>
where
    T: Clone + Send + Sync + 'static,
{
    Memo::new(move |before: Option<&usize>| {
        if last.with(|last| matches!(last, Some(Ok(_)))) {
            version.get()
        } else {
            before.copied().unwrap_or_default()
        }
    })
}

/// Bumps `refresh` each time the action succeeds, so the page reads again
/// what it shows (with the WASM; without it the form's post reloads the
/// page anyway). A refused attempt changes nothing: the form keeps what
/// was typed.
pub fn refresh_on_success<T>(
    last: MappedSignal<Option<Result<T, AppError>>>,
    refresh: RwSignal<u32>,
) where
    T: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if last.with(|last| matches!(last, Some(Ok(_)))) {
            refresh.update(|n| *n = n.wrapping_add(1));
        }
    });
}

/// Empties a form once its action succeeds: what was recorded is not
/// offered again, where one more click would record it twice. Give the
/// answer to the form's `node_ref`.
pub fn clear_on_success<T, S>(last: S) -> NodeRef<leptos::html::Form>
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if matches!(last.get(), Some(Ok(_)))
            && let Some(form) = form.get_untracked()
        {
            form.reset();
        }
    });
    form
}

/// A submit button that says it is busy (and cannot be pressed twice)
/// while its form is being sent.
#[component]
pub fn SubmitButton(
    #[prop(into)] pending: Signal<bool>,
    label: &'static str,
    busy: &'static str,
    /// As wide as its form.
    #[prop(optional)]
    wide: bool,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            class=if wide { style::PRIMARY_BUTTON_WIDE } else { style::PRIMARY_BUTTON }
            disabled=move || pending.get()
        >
            {move || if pending.get() { busy } else { label }}
        </button>
    }
}

/// A form-level message (not tied to a field), announced when it appears.
#[component]
pub fn FormAlert(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div role="alert" aria-live="assertive">
            {move || {
                message
                    .get()
                    .map(|text| {
                        view! {
                            <p class="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900">
                                {text}
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// A field's message slot (empty until there is a message).
#[component]
fn FieldMessage(id: String, error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <p id=id class="min-h-5 text-sm text-red-800">
            {move || error.get()}
        </p>
    }
}

const FIELD_CLASS: &str = style::FIELD;
