//! `docs/controls.md`, checked: the evidence map for auditors must not
//! point at code or tests that have moved or gone. Every file it names in
//! backticks exists; every test it names (`file.rs::function`,
//! `file.spec.ts::title`) is still a test there; and every control marked
//! met or partly met names at least one file that implements it and one
//! test that proves it.

/// Whether a control needs evidence, from the table's status column.
const NEEDS_EVIDENCE: &[&str] = &["Met", "Partly"];
const WITHOUT_EVIDENCE: &[&str] = &["Not applicable", "Operator"];

/// Where named files may live: a path elsewhere is not a reference.
const TOP_LEVEL: &[&str] = &[
    "app/",
    "server/",
    "frontend/",
    "migrations/",
    "end2end/",
    "scripts/",
    "docs/",
    "bench/",
    "style/",
    "Dockerfile",
    "compose.yaml",
    "Cargo.toml",
    "Cargo.lock",
    "README.md",
];

/// What is wrong with `doc`, reading the files it names through `read`
/// (a path relative to the workspace; `None` when there is no such file).
pub(crate) fn problems(doc: &str, read: &impl Fn(&str) -> Option<String>) -> Vec<String> {
    let mut found = Vec::new();
    let mut rows = 0;
    for (n, line) in doc.lines().enumerate() {
        let Some(cells) = row_cells(line) else {
            continue;
        };
        let at = format!("docs/controls.md line {}", n + 1);
        let status = cells.get(1).map(|s| s.trim()).unwrap_or_default();
        if !NEEDS_EVIDENCE.contains(&status) && !WITHOUT_EVIDENCE.contains(&status) {
            // A header row; any other status is a typo worth naming.
            if status != "Status" {
                found.push(format!("{at}: unknown status {status:?}"));
            }
            continue;
        }
        rows += 1;
        let (mut files, mut tests) = (0, 0);
        for quoted in backticked(line) {
            match quoted.split_once("::") {
                Some((file, name)) if file.ends_with(".rs") || file.ends_with(".ts") => {
                    tests += 1;
                    match read(file) {
                        None => found.push(format!("{at}: no file {file}")),
                        Some(text) if !is_test(&text, file, name) => {
                            found.push(format!("{at}: no test {name:?} in {file}"))
                        }
                        Some(_) => {}
                    }
                }
                _ if TOP_LEVEL.iter().any(|top| quoted.starts_with(top)) => {
                    files += 1;
                    if read(quoted.trim_end_matches('/')).is_none() {
                        found.push(format!("{at}: no file or folder {quoted}"));
                    }
                }
                _ => {}
            }
        }
        if NEEDS_EVIDENCE.contains(&status) && (files == 0 || tests == 0) {
            found.push(format!(
                "{at}: a control marked {status} names the code that implements it and a test that proves it"
            ));
        }
    }
    if rows == 0 {
        found.push("docs/controls.md maps no control".to_owned());
    }
    found
}

/// The cells of a table row (`| a | b |`), or `None` for other lines and
/// the separator under a header.
fn row_cells(line: &str) -> Option<Vec<&str>> {
    let inner = line.trim().strip_prefix('|')?.strip_suffix('|')?;
    if inner.chars().all(|c| matches!(c, '-' | '|' | ':' | ' ')) {
        return None;
    }
    Some(inner.split('|').collect())
}

/// The `backticked` spans of a line.
fn backticked(line: &str) -> impl Iterator<Item = &str> {
    line.split('`').skip(1).step_by(2)
}

/// Whether `name` is a test in `text`: a Rust function under a test
/// attribute, or a Playwright test with that title.
fn is_test(text: &str, file: &str, name: &str) -> bool {
    if file.ends_with(".ts") {
        return text.contains(&format!("test(\"{name}\""));
    }
    let lines: Vec<&str> = text.lines().collect();
    let signature = format!("fn {name}(");
    lines.iter().enumerate().any(|(i, line)| {
        // The attributes and doc comments right above the function.
        let above = lines[..i].iter().rev().take_while(|above| {
            let above = above.trim_start();
            above.starts_with("#[") || above.starts_with("//")
        });
        line.contains(&signature)
            && above
                .into_iter()
                .any(|above| above.trim_start().starts_with("#[") && above.contains("test"))
    })
}

#[cfg(test)]
mod tests {
    use super::problems;

    const CODE: &str = "#[tokio::test(flavor = \"multi_thread\")]\n/// Holds.\nasync fn it_holds() {}\nfn helper() {}\n";
    const SPEC: &str = "test(\"a person signs in\", async () => {});\n";

    fn read(path: &str) -> Option<String> {
        match path {
            "app/src/lib.rs" => Some(CODE.to_owned()),
            "end2end/tests/a.spec.ts" => Some(SPEC.to_owned()),
            "docs" => Some(String::new()),
            _ => None,
        }
    }

    fn table(rows: &[&str]) -> String {
        let mut doc =
            "| Control | Status | Implemented by | Proved by |\n|---|---|---|---|\n".to_owned();
        for row in rows {
            doc.push_str(row);
            doc.push('\n');
        }
        doc
    }

    #[test]
    fn a_row_with_its_code_and_live_tests_passes() {
        let doc = table(&[
            "| 1 | Met | `app/src/lib.rs`, `docs/` | `app/src/lib.rs::it_holds`, `end2end/tests/a.spec.ts::a person signs in` |",
            "| 2 | Not applicable | no such feature | |",
        ]);
        assert_eq!(problems(&doc, &read), Vec::<String>::new());
    }

    #[test]
    fn a_gone_test_a_helper_a_gone_file_and_missing_evidence_are_named() {
        let doc = table(&[
            "| 1 | Met | `app/src/lib.rs` | `app/src/lib.rs::gone` |",
            "| 2 | Met | `app/src/lib.rs` | `app/src/lib.rs::helper` |",
            "| 3 | Partly | `app/src/moved.rs` | `end2end/tests/a.spec.ts::a person signs out` |",
            "| 4 | Met | `app/src/lib.rs` | nothing |",
        ]);
        let found = problems(&doc, &read);
        assert_eq!(found.len(), 5, "{found:#?}");
        assert!(found[0].contains("no test \"gone\""));
        assert!(found[1].contains("no test \"helper\""));
        assert!(found[2].contains("no file or folder app/src/moved.rs"));
        assert!(found[3].contains("no test \"a person signs out\""));
        assert!(found[4].contains("line 6") && found[4].contains("a test that proves it"));
    }

    #[test]
    fn an_unknown_status_and_an_empty_map_are_named() {
        assert_eq!(
            problems("", &read),
            vec!["docs/controls.md maps no control"]
        );
        let found = problems(&table(&["| 1 | Done | `app/src/lib.rs` | |"]), &read);
        assert!(
            found.iter().any(|p| p.contains("unknown status \"Done\"")),
            "{found:?}"
        );
    }
}
