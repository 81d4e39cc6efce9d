//! Browser entry point. Everything else lives in `app`; this only hydrates.

/// Called by the generated JS once the wasm is loaded: attaches the app to
/// the HTML the server already rendered.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    app::ui::mark_hydrated();
}
