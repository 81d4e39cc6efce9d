//! Class lists shared by many pages, so a button looks (and shows focus)
//! the same everywhere.

/// The main action of a form or page.
pub const PRIMARY_BUTTON: &str = "rounded-md bg-teal-700 px-4 py-2 font-medium text-white hover:bg-teal-800 focus:outline-none focus:ring-2 focus:ring-teal-600 focus:ring-offset-2 disabled:opacity-60";

/// [`PRIMARY_BUTTON`] across the whole width of a narrow form.
pub const PRIMARY_BUTTON_WIDE: &str = "w-full rounded-md bg-teal-700 px-4 py-2 font-medium text-white hover:bg-teal-800 focus:outline-none focus:ring-2 focus:ring-teal-600 focus:ring-offset-2 disabled:opacity-60";

/// A lesser action beside others.
pub const SECONDARY_BUTTON: &str = "rounded-md border border-stone-300 bg-white px-3 py-1.5 text-sm font-medium text-stone-700 hover:bg-stone-100 focus:outline-none focus:ring-2 focus:ring-teal-600";

/// A text input, select or text area; red-bordered when its value broke a
/// rule (`aria-invalid`).
pub const FIELD: &str = "block w-full rounded-md border border-stone-300 bg-white px-3 py-2 shadow-sm \
     focus:border-teal-600 focus:outline-none focus:ring-2 focus:ring-teal-600/30 \
     aria-[invalid=true]:border-red-600";
