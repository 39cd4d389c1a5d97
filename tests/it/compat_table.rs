//! The "## Keywords" table of docs/compatibility.md names its proofs.
//!
//! Every row whose status starts with "supported" must name, in its 5th
//! column, the differential scenarios or Rust tests that exercise it, and
//! every name there must exist: `NAME` is a scenario of tests/difftest (its
//! golden file is in tests/difftest/golden-1.4.25), `shared:NAME` one of
//! ../shared/harness/scenarios.py, `tests/FILE.rs::fn` and
//! `src/PATH.rs::tests::fn` a test function of that file. This test reads
//! files only; it starts nothing.
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One data row of the table: its line number, cells and proof names.
struct Row {
    line: usize,
    keyword: String,
    status: String,
    proofs: Vec<String>,
}

/// Splits a markdown table line on its unescaped `|`.
fn cells(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut prev = ' ';
    for c in line.trim().chars() {
        if c == '|' && prev != '\\' {
            out.push(String::new());
        } else if let Some(last) = out.last_mut() {
            last.push(c);
        }
        prev = c;
    }
    // the text before the first bar and after the last one is not a cell
    out.pop();
    out.remove(0);
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

fn keyword_rows(doc: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut in_table = false;
    for (i, line) in doc.lines().enumerate() {
        if line.starts_with("| area | tier | keyword / behaviour | status |") {
            let c = cells(line);
            assert_eq!(c.get(4).map(String::as_str), Some("proof"), "5th column");
            in_table = true;
            continue;
        }
        if !in_table || line.starts_with("|---") {
            continue;
        }
        if !line.starts_with('|') {
            break;
        }
        let c = cells(line);
        assert_eq!(c.len(), 5, "line {}: {} cells, 5 wanted", i + 1, c.len());
        let proofs = c[4]
            .split(',')
            .map(|p| p.trim().trim_matches('`').to_string())
            .filter(|p| !p.is_empty())
            .collect();
        rows.push(Row {
            line: i + 1,
            keyword: c[2].clone(),
            status: c[3].clone(),
            proofs,
        });
    }
    rows
}

/// The harness's own catalogue, or None when ../shared is not there.
fn shared_catalogue() -> Option<String> {
    let dir = std::env::var("SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("../shared"));
    std::fs::read_to_string(dir.join("harness/scenarios.py")).ok()
}

/// Why <proof> does not exist, or None when it does.
fn missing(proof: &str, shared: Option<&str>) -> Option<String> {
    if let Some(name) = proof.strip_prefix("shared:") {
        let text = shared?;
        let quoted = [format!("\"{name}\""), format!("'{name}'")];
        return (!quoted.iter().any(|q| text.contains(q.as_str())))
            .then(|| format!("no scenario {name} in ../shared/harness/scenarios.py"));
    }
    if let Some((file, rest)) = proof.split_once("::") {
        let func = rest.rsplit("::").next().unwrap_or(rest);
        let text = std::fs::read_to_string(root().join(file)).unwrap_or_default();
        let found = text.contains(&format!("fn {func}()"));
        let is_test_file = file.starts_with("tests/") || file.starts_with("src/");
        return (!(found && is_test_file)).then(|| format!("no fn {func}() in {file}"));
    }
    let golden = root().join(format!("tests/difftest/golden-1.4.25/{proof}.json"));
    (!Path::new(&golden).exists()).then(|| format!("no golden {}", golden.display()))
}

#[test]
fn every_supported_row_names_existing_proofs() {
    let doc = std::fs::read_to_string(root().join("docs/compatibility.md")).expect("doc");
    let rows = keyword_rows(&doc);
    assert!(rows.len() > 200, "only {} rows parsed", rows.len());
    let shared = shared_catalogue();
    if shared.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "../shared/harness/scenarios.py is missing (CI=true)"
        );
        println!("skip: ../shared not found, shared: proofs are not checked");
    }
    let mut errors = Vec::new();
    let (mut supported, mut named) = (0, 0);
    for row in &rows {
        // extensions beyond 1.4 (HAProxy 1.5/1.6 syntax) are proven too
        if row.status.starts_with("supported") || row.status.starts_with("extension") {
            supported += 1;
            if row.proofs.is_empty() {
                errors.push(format!("line {}: {} has no proof", row.line, row.keyword));
            }
        }
        for p in &row.proofs {
            named += 1;
            if let Some(why) = missing(p, shared.as_deref()) {
                errors.push(format!("line {}: {p}: {why}", row.line));
            }
        }
    }
    println!("{supported} supported rows, {named} proofs named");
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn the_check_sees_a_missing_proof() {
    // the check itself: an empty cell, an unknown scenario and an unknown
    // function are all reported
    let doc = "| area | tier | keyword / behaviour | status | proof |\n|---|---|---|---|---|\n\
               | A | P0 | `x` | supported |  |\n\
               | A | P0 | `y \\| z` | supported | `no_such_scenario`, `tests/it/compat_table.rs::no_such_fn` |\n";
    let rows = keyword_rows(doc);
    assert_eq!(rows.len(), 2);
    assert!(rows[0].proofs.is_empty());
    assert_eq!(rows[1].keyword, "`y \\| z`");
    assert!(missing(&rows[1].proofs[0], None).is_some());
    assert!(missing(&rows[1].proofs[1], None).is_some());
    assert!(missing(
        "tests/it/compat_table.rs::the_check_sees_a_missing_proof",
        None
    )
    .is_none());
}
