//! A patient's readable document, as a page that stands on its own: the
//! portal's own `RecordDocument`, rendered on the server, with a small
//! stylesheet of its own (the site's is not beside it) that reads well on
//! screen and prints.

use app::{model::record::RecordCopy, ui::pages::RecordDocument};
use leptos::prelude::*;

const STYLE: &str = "\
body{font:16px/1.5 system-ui,sans-serif;color:#1c1917;max-width:48rem;margin:2rem auto;padding:0 1rem}\
h2{font-size:1.5rem;margin:.25rem 0}\
h3{font-size:1.2rem;border-bottom:1px solid #d6d3d1;padding-bottom:.25rem;margin-top:2rem}\
h4,h5{margin:.75rem 0 .25rem}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0}\
.whitespace-pre-line{white-space:pre-line}\
.border-l-4{border-left:4px solid #d6d3d1;padding-left:.75rem}\
.rounded-xl{border:1px solid #d6d3d1;border-radius:.75rem;padding:1rem;margin:1rem 0;break-inside:avoid-page}\
@media print{body{margin:0;max-width:none}}";

/// The page of `copy`, whole.
pub fn readable(copy: &RecordCopy) -> String {
    let owner = Owner::new();
    let (title, body) = owner.with(|| {
        let title = format!(
            "Health record of {} — {}",
            copy.patient.legal_name, copy.practice
        );
        let copy = copy.clone();
        (
            view! { <title>{title}</title> }.to_html(),
            view! { <main><RecordDocument copy /></main> }.to_html(),
        )
    });
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         {title}<style>{STYLE}</style></head><body>{body}</body></html>\n"
    )
}
