//! The hand-checked lineage suite (tests/fixtures/lineage/cases.toml): every case's SQL is
//! resolved against the suite's schema and its edges compared with the expected ones. Prints
//! precision and recall of edges and the accuracy of their kinds, and fails below the floors.

use almanac::lineage::sql::{resolve_script, resolve_view, Context, DatasetRef, Outcome, SchemaMap, SqlDialect, StatementReport};
use std::collections::{BTreeMap, BTreeSet};

/// Floors: the figures the resolver reaches on the suite, rounded down.
const EDGE_PRECISION_FLOOR: f64 = 1.0;
const EDGE_RECALL_FLOOR: f64 = 1.0;
const KIND_ACCURACY_FLOOR: f64 = 1.0;

fn default_namespace(d: SqlDialect) -> &'static str {
    match d {
        SqlDialect::Postgres => "public",
        SqlDialect::MySql => "shop",
        SqlDialect::Sqlite => "main",
    }
}

/// "kind from -> to" strings of a resolution, keyed by "from -> to".
fn produced(reports: &[StatementReport]) -> (BTreeMap<String, String>, Vec<String>, usize) {
    let mut edges = BTreeMap::new();
    let mut unresolved = Vec::new();
    let mut failed = 0;
    for r in reports {
        match &r.outcome {
            Outcome::Lineage(l) => {
                let target = format!("{}.{}", l.target.namespace, l.target.dataset);
                for c in &l.columns {
                    for (from, kind) in &c.inputs {
                        let key = format!("{}.{}.{} -> {target}.{}", from.namespace, from.dataset, from.column, c.name);
                        edges.insert(key, kind.as_str().to_string());
                    }
                }
                for (from, kind) in &l.dependencies {
                    let key = format!("{}.{}.{} -> {target}", from.namespace, from.dataset, from.column);
                    // A column may both filter and join: keep both, keyed apart.
                    edges.insert(format!("{key} [{}]", kind.as_str()), kind.as_str().to_string());
                }
                unresolved.extend(l.unresolved.iter().map(|u| format!("{} ({})", u.name, u.reason)));
            }
            Outcome::Failed { .. } => failed += 1,
            Outcome::NoDataFlow { .. } => {}
        }
    }
    (edges, unresolved, failed)
}

fn expected(case: &toml::Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in case.get("edges").and_then(|e| e.as_array()).into_iter().flatten() {
        let text = e.as_str().expect("edges are strings");
        let (kind, rest) = text.trim().split_once(' ').expect("edge: KIND FROM -> TO");
        let rest = rest.trim().to_string();
        let key = if kind == "filter" || kind == "join" { format!("{rest} [{kind}]") } else { rest };
        assert!(out.insert(key, kind.to_string()).is_none(), "duplicate expected edge `{text}`");
    }
    out
}

#[test]
fn hand_checked_lineage_suite() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/lineage/cases.toml");
    let text = std::fs::read_to_string(path).expect("cases file");
    let doc: toml::Value = toml::from_str(&text).expect("cases parse");
    let mut schema = SchemaMap::new();
    for (ns, tables) in doc["schema"].as_table().expect("schema table") {
        for (table, cols) in tables.as_table().expect("tables") {
            let cols = cols.as_array().expect("columns").iter().map(|c| c.as_str().expect("column name").to_string()).collect();
            schema.insert(ns, table, cols);
        }
    }
    let cases = doc["case"].as_array().expect("cases");
    let (mut matched, mut produced_n, mut expected_n, mut kinds_right) = (0usize, 0usize, 0usize, 0usize);
    let mut per_dialect: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    let mut bad_cases = Vec::new();
    let mut names = BTreeSet::new();
    for case in cases {
        let name = case["name"].as_str().expect("name");
        assert!(names.insert(name), "duplicate case name `{name}`");
        let dialect = SqlDialect::parse(case["dialect"].as_str().expect("dialect")).expect("known dialect");
        let ns = case.get("default_namespace").and_then(|v| v.as_str()).unwrap_or(default_namespace(dialect));
        let ctx = Context { dialect, search_path: vec![ns.to_string()] };
        let sql = case["sql"].as_str().expect("sql");
        let reports = match case.get("view").and_then(|v| v.as_str()) {
            Some(view) => {
                let (vns, vname) = view.split_once('.').expect("view is ns.name");
                vec![resolve_view(sql, &DatasetRef { namespace: vns.into(), dataset: vname.into() }, false, &ctx, &schema)]
            }
            None => resolve_script(sql, &ctx, &schema).expect("script accepted"),
        };
        let (got, unresolved, failed) = produced(&reports);
        let want = expected(case);
        let hit: Vec<&String> = got.keys().filter(|k| want.contains_key(*k)).collect();
        let right = hit.iter().filter(|k| got[**k] == want[**k]).count();
        matched += hit.len();
        kinds_right += right;
        produced_n += got.len();
        expected_n += want.len();
        let d = per_dialect.entry(dialect.as_str()).or_default();
        d.0 += hit.len();
        d.1 += got.len();
        d.2 += want.len();
        let mut problems = Vec::new();
        for k in got.keys().filter(|k| !want.contains_key(*k)) {
            problems.push(format!("  unexpected {} {k}", got[k]));
        }
        for k in want.keys().filter(|k| !got.contains_key(*k)) {
            problems.push(format!("  missing    {} {k}", want[k]));
        }
        for k in hit.iter().filter(|k| got[**k] != want[**k]) {
            problems.push(format!("  kind       {k}: got {}, expected {}", got[*k], want[*k]));
        }
        for u in case.get("unresolved").and_then(|u| u.as_array()).into_iter().flatten() {
            let u = u.as_str().expect("unresolved names are strings");
            if !unresolved.iter().any(|r| r.contains(u)) {
                problems.push(format!("  not reported as unresolved: {u} (reported: {unresolved:?})"));
            }
        }
        let broken = case.get("broken").and_then(|b| b.as_integer()).unwrap_or(0) as usize;
        if failed != broken {
            let messages: Vec<String> = reports
                .iter()
                .filter_map(|r| match &r.outcome {
                    Outcome::Failed { message } => Some(format!("line {}: {message}", r.line)),
                    _ => None,
                })
                .collect();
            problems.push(format!("  {failed} statements failed, expected {broken}: {messages:?}"));
        }
        if !problems.is_empty() {
            bad_cases.push(format!("case `{name}` ({}):\n{}", dialect.as_str(), problems.join("\n")));
        }
    }
    for b in &bad_cases {
        println!("{b}");
    }
    let precision = matched as f64 / produced_n.max(1) as f64;
    let recall = matched as f64 / expected_n.max(1) as f64;
    let kind_accuracy = kinds_right as f64 / matched.max(1) as f64;
    println!(
        "lineage suite: {} cases, {} of them exact; edges: {expected_n} expected, {produced_n} produced, {matched} right: precision {precision:.3}, recall {recall:.3}; kinds right {kind_accuracy:.3}",
        cases.len(),
        cases.len() - bad_cases.len()
    );
    for (d, (m, p, e)) in &per_dialect {
        println!("  {d:<8} precision {:.3} recall {:.3}", *m as f64 / (*p).max(1) as f64, *m as f64 / (*e).max(1) as f64);
    }
    assert!(cases.len() >= 80, "the suite holds {} cases; at least 80 are wanted", cases.len());
    assert!(precision >= EDGE_PRECISION_FLOOR, "edge precision {precision:.3} below {EDGE_PRECISION_FLOOR}");
    assert!(recall >= EDGE_RECALL_FLOOR, "edge recall {recall:.3} below {EDGE_RECALL_FLOOR}");
    assert!(kind_accuracy >= KIND_ACCURACY_FLOOR, "kind accuracy {kind_accuracy:.3} below {KIND_ACCURACY_FLOOR}");
}
