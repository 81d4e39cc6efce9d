//! The architecture, checked: the rules DESIGN.md states about the source
//! tree, read from the files themselves (std only, no compiled code).
//!
//! - No backend module imports one that imports it back, directly or
//!   through others. A module using what its own parent declares is Rust's
//!   scoping, not a cycle.
//! - `api/` and `ui/` never name diesel: queries live in the backend.
//! - `ui/` reaches the backend only in the one glue file that the server
//!   build alone compiles.
//! - No hand-written source file passes 600 lines.
//! - Today's date is the practice's: only `backend/dates/` reads a day off
//!   the UTC clock.
//! - `docs/controls.md` names only code and tests that exist (`controls`).
//!
//! Each rule is a function over plain text, so the tests at the bottom can
//! show it failing on a planted fault.

mod controls;
mod source;

use source::{code_only, module_of, named_paths, sources};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Longest a hand-written source file may be.
const MAX_LINES: usize = 600;
/// The only file of `ui/` that may name the backend (server-only glue).
const UI_GLUE: &str = "ui/server_glue.rs";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the server crate sits in the workspace")
        .to_path_buf()
}

/// The module `path` (as written in `from`) lands in: the longest module
/// of `modules` that it names, or `None` outside the crate.
fn resolve(
    from: &[String],
    path: &[String],
    modules: &BTreeSet<Vec<String>>,
) -> Option<Vec<String>> {
    let mut at: Vec<String>;
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            at = Vec::new();
            rest = &rest[1..];
        }
        Some("self") => {
            at = from.to_vec();
            rest = &rest[1..];
        }
        Some("super") => {
            at = from.to_vec();
            while rest.first().is_some_and(|s| s == "super") {
                at.pop();
                rest = &rest[1..];
            }
        }
        Some(first) => {
            // A bare path starting at a child module (`use store::X;`).
            let mut child = from.to_vec();
            child.push(first.to_owned());
            if !modules.contains(&child) {
                return None;
            }
            at = from.to_vec();
        }
        None => return None,
    }
    for part in rest {
        let mut next = at.clone();
        next.push(part.clone());
        if modules.contains(&next) {
            at = next;
        } else {
            break;
        }
    }
    Some(at)
}

/// Module -> the modules it names, within the crate.
type Graph = BTreeMap<Vec<String>, BTreeSet<Vec<String>>>;

fn import_graph(files: &[(String, String)]) -> Graph {
    // Every file's module and the folders above it.
    let modules: BTreeSet<Vec<String>> = files
        .iter()
        .map(|(f, _)| module_of(f))
        .flat_map(|m| (0..=m.len()).map(move |n| m[..n].to_vec()))
        .collect();
    let mut graph = Graph::new();
    for (file, text) in files {
        let from = module_of(file);
        let edges = graph.entry(from.clone()).or_default();
        for path in named_paths(&code_only(text)) {
            if let Some(to) = resolve(&from, &path, &modules) {
                edges.insert(to);
            }
        }
    }
    graph
}

/// The cycles among `under`'s modules, between its files. Using one's
/// own ancestor (the parent that declares you) is left out: that is Rust's
/// scoping. Each cycle is reported once, as a path.
fn cycles_under(graph: &Graph, under: &[String]) -> Vec<String> {
    let inside = |m: &Vec<String>| m.len() > under.len() && m.starts_with(under);
    let mut files = Graph::new();
    for (from, tos) in graph.iter().filter(|(m, _)| inside(m)) {
        for to in tos.iter().filter(|to| inside(to)) {
            if !from.starts_with(to) {
                files.entry(from.clone()).or_default().insert(to.clone());
            }
        }
    }
    find_cycles(&files)
}

/// One cycle per strongly connected set of nodes (Tarjan's algorithm),
/// written as `a -> b -> a`.
fn find_cycles(graph: &Graph) -> Vec<String> {
    struct Walk<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g Vec<String>, usize>,
        low: BTreeMap<&'g Vec<String>, usize>,
        stack: Vec<&'g Vec<String>>,
        on_stack: BTreeSet<&'g Vec<String>>,
        sets: Vec<Vec<&'g Vec<String>>>,
    }
    impl<'g> Walk<'g> {
        fn visit(&mut self, node: &'g Vec<String>) {
            let n = self.index.len();
            self.index.insert(node, n);
            self.low.insert(node, n);
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in self.graph.get(node).into_iter().flatten() {
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut set = Vec::new();
                while let Some(top) = self.stack.pop() {
                    self.on_stack.remove(top);
                    set.push(top);
                    if top == node {
                        break;
                    }
                }
                if set.len() > 1 {
                    self.sets.push(set);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        sets: Vec::new(),
    };
    for node in graph.keys() {
        if !walk.index.contains_key(node) {
            walk.visit(node);
        }
    }
    walk.sets
        .into_iter()
        .map(|set| {
            let members: BTreeSet<&Vec<String>> = set.into_iter().collect();
            describe_cycle(graph, &members)
        })
        .collect()
}

/// A path around a strongly connected set, from its first member back.
fn describe_cycle(graph: &Graph, members: &BTreeSet<&Vec<String>>) -> String {
    let start = *members.iter().next().expect("a set has members");
    // Breadth-first from start's successors back to start, inside the set.
    let mut came_from: BTreeMap<&Vec<String>, &Vec<String>> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    'search: while let Some(node) = queue.pop_front() {
        for next in graph.get(node).into_iter().flatten() {
            if !members.contains(next) || came_from.contains_key(next) {
                continue;
            }
            came_from.insert(next, node);
            if next == start {
                break 'search;
            }
            queue.push_back(next);
        }
    }
    let mut path = vec![start];
    let mut at = came_from.get(start).copied();
    while let Some(node) = at {
        path.push(node);
        if node == start {
            break;
        }
        at = came_from.get(node).copied();
    }
    path.reverse();
    path.iter()
        .map(|m| m.join("::"))
        .collect::<Vec<_>>()
        .join(" -> ")
}

/// Files under `dir` (relative to the crate's `src/`) whose code names
/// `word` as a path segment, with the first line that does.
fn files_naming(files: &[(String, String)], dir: &str, word: &str, except: &[&str]) -> Vec<String> {
    files
        .iter()
        .filter(|(file, _)| file.starts_with(dir) && !except.contains(&file.as_str()))
        .filter_map(|(file, text)| {
            let code = code_only(text);
            code.lines().enumerate().find_map(|(n, line)| {
                names_segment(line, word).then(|| format!("{file}:{}: {}", n + 1, line.trim()))
            })
        })
        .collect()
}

/// Whether `line` uses `word` as an identifier (or a path segment).
fn names_segment(line: &str, word: &str) -> bool {
    let bytes = line.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    line.match_indices(word).any(|(at, _)| {
        let before = at == 0 || !ident(bytes[at - 1]);
        let end = at + word.len();
        // `diesel` and `diesel_async` are both diesel.
        let after = end >= bytes.len() || !ident(bytes[end]) || line[end..].starts_with("_async");
        before && after
    })
}

fn too_long(files: &[(String, String)]) -> Vec<String> {
    files
        .iter()
        .filter(|(file, _)| !file.ends_with("db/schema.rs")) // written by diesel print-schema
        .map(|(file, text)| (file, text.lines().count()))
        .filter(|(_, lines)| *lines > MAX_LINES)
        .map(|(file, lines)| format!("{file}: {lines} lines"))
        .collect()
}

/// Files whose code takes a day off the UTC clock (`now_utc().date()`),
/// outside the module that knows the practice's zone: a form's "not after
/// today" must be the practice's today (`Zone::today`), not UTC's, which is
/// tomorrow or yesterday for hours of every day.
fn utc_days(files: &[(String, String)]) -> Vec<String> {
    files
        .iter()
        .filter(|(file, _)| !file.starts_with("backend/dates/"))
        .filter(|(_, text)| {
            let code: String = code_only(text)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            code.contains("now_utc().date()")
        })
        .map(|(file, _)| file.clone())
        .collect()
}

fn app_sources() -> Vec<(String, String)> {
    sources(&workspace().join("app/src"))
}

fn fail_on(what: &str, found: &[String]) {
    assert!(found.is_empty(), "{what}:\n  {}", found.join("\n  "));
}

#[test]
fn no_backend_module_imports_one_that_imports_it_back() {
    let graph = import_graph(&app_sources());
    assert!(graph.len() > 20, "the backend's modules were found");
    fail_on(
        "import cycles in the backend",
        &cycles_under(&graph, &["backend".to_owned()]),
    );
}

#[test]
fn api_and_ui_never_name_diesel() {
    let files = app_sources();
    let mut found = files_naming(&files, "api/", "diesel", &[]);
    found.extend(files_naming(&files, "ui/", "diesel", &[]));
    fail_on(
        "diesel outside the backend (queries belong in backend/)",
        &found,
    );
}

#[test]
fn ui_reaches_the_backend_only_through_its_server_glue() {
    let files = app_sources();
    fail_on(
        &format!("ui/ names the backend outside {UI_GLUE}"),
        &files_naming(&files, "ui/", "backend", &[UI_GLUE]),
    );
    if let Some((_, glue)) = files.iter().find(|(file, _)| file == UI_GLUE) {
        let declared = files
            .iter()
            .find(|(file, _)| file == "ui/mod.rs")
            .map(|(_, text)| text.clone())
            .unwrap_or_default();
        assert!(
            declared.contains("#[cfg(feature = \"ssr\")]\nmod server_glue;"),
            "ui/mod.rs declares {UI_GLUE} for the server build only"
        );
        assert!(!glue.is_empty());
    }
}

#[test]
fn the_controls_map_names_only_code_and_tests_that_exist() {
    let root = workspace();
    let doc = std::fs::read_to_string(root.join("docs/controls.md")).expect("docs/controls.md");
    let read = |path: &str| {
        let at = root.join(path);
        if at.is_dir() {
            Some(String::new())
        } else {
            std::fs::read_to_string(at).ok()
        }
    };
    fail_on("docs/controls.md", &controls::problems(&doc, &read));
}

#[test]
fn days_are_the_practice_s_not_utc_s() {
    fail_on(
        "today's date read off the UTC clock (use the practice's Zone::today)",
        &utc_days(&app_sources()),
    );
}

#[test]
fn a_day_read_off_the_utc_clock_is_found() {
    let files = planted(&[
        (
            "api/chart.rs",
            "let today = time::OffsetDateTime::now_utc()\n    .date();",
        ),
        (
            "backend/dates/zone.rs",
            "self.date_of(OffsetDateTime::now_utc().date())",
        ),
        (
            "api/notes.rs",
            "// not now_utc().date(), the practice's today\nlet t = zone.today();",
        ),
    ]);
    assert_eq!(utc_days(&files), ["api/chart.rs"]);
}

#[test]
fn no_hand_written_source_file_passes_600_lines() {
    let root = workspace();
    let mut found = Vec::new();
    for dir in [
        "app/src",
        "server/src",
        "server/tests",
        "server/benches",
        "server/examples",
        "frontend/src",
    ] {
        for line in too_long(&sources(&root.join(dir))) {
            found.push(format!("{dir}/{line}"));
        }
    }
    fail_on(
        &format!("files over {MAX_LINES} lines (split them along their seams)"),
        &found,
    );
}

// The rules, shown failing on planted faults.

fn planted(files: &[(&str, &str)]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|(f, t)| (f.to_string(), t.to_string()))
        .collect()
}

#[test]
fn a_planted_cycle_between_files_is_found() {
    let files = planted(&[
        ("backend/mod.rs", "pub mod a;\npub mod b;\npub mod c;"),
        ("backend/a.rs", "use crate::backend::{b::Thing, c};"),
        ("backend/b.rs", "pub fn f() { super::c::g() }"),
        ("backend/c.rs", "use crate::{backend::{a::{self, X as Y}}};"),
    ]);
    let cycles = cycles_under(&import_graph(&files), &["backend".to_owned()]);
    assert_eq!(cycles.len(), 1, "{cycles:?}");
    assert!(
        cycles[0].contains("backend::a") && cycles[0].contains("backend::c"),
        "{cycles:?}"
    );
}

#[test]
fn a_planted_cycle_through_folders_is_found() {
    let files = planted(&[
        ("backend/records/mod.rs", "pub mod notes;"),
        (
            "backend/records/notes.rs",
            "use crate::backend::audit::trail;",
        ),
        ("backend/audit/mod.rs", "pub mod trail;\npub use trail::X;"),
        (
            "backend/audit/trail.rs",
            "fn f() { crate::backend::vault::open(); }",
        ),
        // The vault reaches back into the records, through its folder.
        (
            "backend/vault/mod.rs",
            "use crate::backend::records::{self, notes::Note};",
        ),
    ]);
    let cycles = cycles_under(&import_graph(&files), &["backend".to_owned()]);
    assert_eq!(
        cycles,
        vec![
            "backend::audit::trail -> backend::vault -> backend::records::notes -> backend::audit::trail"
        ]
    );
}

#[test]
fn a_module_using_its_parent_is_not_a_cycle_nor_are_comments_and_strings() {
    let files = planted(&[
        (
            "backend/vault/mod.rs",
            "pub mod sealed;\npub use sealed::Sealed;",
        ),
        (
            "backend/vault/sealed.rs",
            "use super::Key; // crate::backend::audit\nconst S: &str = \"crate::backend::audit\";",
        ),
        ("backend/audit/mod.rs", "use crate::backend::vault::Sealed;"),
    ]);
    assert_eq!(
        cycles_under(&import_graph(&files), &["backend".to_owned()]),
        Vec::<String>::new()
    );
}

#[test]
fn diesel_in_api_and_backend_names_in_ui_are_found() {
    let files = planted(&[
        (
            "api/chart.rs",
            "async fn f(conn: &mut diesel_async::AsyncPgConnection) {}",
        ),
        ("api/roster.rs", "// diesel is not used here\nfn g() {}"),
        ("ui/pages/x.rs", "use crate::backend::identity::session;"),
        (
            "ui/server_glue.rs",
            "use crate::backend::identity::session;",
        ),
    ]);
    assert_eq!(files_naming(&files, "api/", "diesel", &[]).len(), 1);
    assert_eq!(
        files_naming(&files, "ui/", "backend", &[UI_GLUE]),
        vec!["ui/pages/x.rs:1: use crate::backend::identity::session;"]
    );
}

#[test]
fn a_long_file_is_found() {
    let long = "fn f() {}\n".repeat(MAX_LINES + 1);
    let files = planted(&[("backend/long.rs", &long), ("backend/db/schema.rs", &long)]);
    assert_eq!(
        too_long(&files),
        vec![format!("backend/long.rs: {} lines", MAX_LINES + 1)]
    );
}
