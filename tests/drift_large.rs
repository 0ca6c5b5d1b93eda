//! Semantic-change detection on tables of 300,000 rows, on real PostgreSQL and MariaDB servers,
//! through the whole scan path with the default configuration. A table with a primary key and
//! one without: maintenance that rewrites the rows (a reorder, `VACUUM FULL` / `OPTIMIZE`) and
//! ten rounds of appending 1% new rows of the same distribution raise nothing; then prices
//! raised by 19%, durations turned from seconds to milliseconds and start times moved by two
//! hours are each found on the right column with the right kind.

mod common;

use almanac::app::AppState;
use almanac::catalog::names::QualifiedName;
use almanac::catalog::{NewSource, SourceName};
use almanac_fixtures::drift::{create_table, insert_rows, Change, Dialect, Maintenance, ROWS};
use almanac_scanners::SourceUrl;
use common::{open_app, MyDatabase, PgDatabase, StoreKind, TestStore};
use std::collections::BTreeSet;

const SEMANTIC: &[&str] = &["null_rate_shift", "unit_change", "tax_change", "timezone_shift", "format_change", "duplicates_rise"];

async fn scan(app: &AppState, url: &str) {
    let url = SourceUrl::parse(url).unwrap();
    let source = app
        .catalog
        .ensure_source(NewSource {
            name: SourceName::parse("calls").unwrap(),
            url: url.clone(),
            password_env: None,
            password_file: None,
            sample_rows: None,
        })
        .await
        .unwrap();
    let s = app.catalog.start_scan(source.id).await.unwrap();
    almanac::scanning::run(&app.catalog, &app.config, &app.classifier, &source, s.id, &url, None).await.expect("scan");
}

/// (table.column, kind) of the semantic events of these tables after event `skip` of each.
async fn semantic(app: &AppState, tables: &[String], skip: &mut Vec<usize>) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    skip.resize(tables.len(), 0);
    for (i, t) in tables.iter().enumerate() {
        let all = almanac::history::timeline(&app.catalog, &QualifiedName::parse(t).unwrap()).await.unwrap();
        let n = all.len();
        let short = t.rsplit('.').next().unwrap_or_default();
        for e in all.into_iter().skip(skip[i]) {
            if SEMANTIC.contains(&e.kind.as_str()) {
                out.insert((format!("{short}.{}", e.column.unwrap_or_default()), e.kind.as_str().to_string()));
            }
        }
        skip[i] = n;
    }
    out
}

async fn large_tables(d: Dialect, url: &str, namespace: &str, execute: impl AsyncFn(&str)) {
    let Some(store) = TestStore::create(StoreKind::Sqlite).await else { return };
    let app = open_app(&store).await;
    for (table, keyed) in [("calls", true), ("calls_nokey", false)] {
        execute(&create_table(d, table, keyed)).await;
        execute(&insert_rows(d, table, 1, ROWS, 7)).await;
    }
    let tables: Vec<String> = ["calls", "calls_nokey"].iter().map(|t| format!("calls.{namespace}.{t}")).collect();
    let mut seen = Vec::new();
    scan(&app, url).await;
    let _ = semantic(&app, &tables, &mut seen).await;

    // Unchanged data, rewritten in place, and grown by 1% ten times: nothing to report.
    scan(&app, url).await;
    assert_eq!(semantic(&app, &tables, &mut seen).await, BTreeSet::new(), "unchanged re-scan");
    for m in [Maintenance::Reorder, Maintenance::Compact] {
        for table in ["calls", "calls_nokey"] {
            execute(&m.sql(d, table)).await;
        }
        scan(&app, url).await;
        assert_eq!(semantic(&app, &tables, &mut seen).await, BTreeSet::new(), "after {}", m.label());
    }
    let step = ROWS / 100;
    for round in 0..10 {
        let first = ROWS + 1 + round * step;
        for table in ["calls", "calls_nokey"] {
            execute(&insert_rows(d, table, first, step, 100 + round as u32)).await;
        }
        scan(&app, url).await;
        assert_eq!(semantic(&app, &tables, &mut seen).await, BTreeSet::new(), "after appending 1% (round {})", round + 1);
    }

    // Meaning changes in every row.
    let planted = [Change::Tax(1.19), Change::Unit(1000.0), Change::Shift(2)];
    for c in planted {
        execute(&c.sql(d, "calls")).await;
    }
    execute(&Change::Unit(1000.0).sql(d, "calls_nokey")).await;
    scan(&app, url).await;
    let mut expected: BTreeSet<(String, String)> =
        planted.iter().map(|c| (format!("calls.{}", c.expected().0), c.expected().1.to_string())).collect();
    expected.insert(("calls_nokey.duration_s".into(), "unit_change".into()));
    assert_eq!(semantic(&app, &tables, &mut seen).await, expected);

    // The evidence says what was compared.
    let tl =
        almanac::history::timeline(&app.catalog, &QualifiedName::parse(&format!("calls.{namespace}.calls.price")).unwrap()).await.unwrap();
    let tax = tl.iter().find(|e| e.kind.as_str() == "tax_change").unwrap();
    assert_eq!(tax.details["evidence"]["rate"], "19%");
    let tl = almanac::history::timeline(&app.catalog, &QualifiedName::parse(&format!("calls.{namespace}.calls.started_at")).unwrap())
        .await
        .unwrap();
    assert_eq!(tl.iter().find(|e| e.kind.as_str() == "timezone_shift").unwrap().details["evidence"]["hours"], 2.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql_tables_of_300000_rows() {
    let Some(db) = PgDatabase::create().await else { return };
    // One statement at a time: VACUUM may not run inside the implicit transaction of a batch.
    large_tables(Dialect::Postgres, &db.url, "public", async |sql: &str| {
        for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            db.execute(statement).await;
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_mariadb_tables_of_300000_rows() {
    let Some(db) = MyDatabase::create().await else { return };
    let name = db.name.clone();
    large_tables(Dialect::MariaDb, &db.url, &name, async |sql: &str| db.execute(sql).await).await;
}

/// A scan that could not take the hashed sample (here: hashing turned off for one scan, as a
/// timeout would) reads another way; the next scan compares with the last profile taken its
/// own way, so a change made after the fallback scan is still found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_after_a_scan_sampled_another_way_is_still_found() {
    let Some(db) = PgDatabase::create().await else { return };
    let Some(store) = TestStore::create(StoreKind::Sqlite).await else { return };
    let exec = async |sql: &str| {
        for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            db.execute(statement).await;
        }
    };
    exec(&create_table(Dialect::Postgres, "calls", true)).await;
    exec(&insert_rows(Dialect::Postgres, "calls", 1, 20_000, 11)).await;
    let app = open_app(&store).await;
    let tables = vec!["calls.public.calls".to_string()];
    let mut seen = Vec::new();
    scan(&app, &db.url).await;
    let _ = semantic(&app, &tables, &mut seen).await;

    let mut config = (*app.config).clone();
    config.scan.hash_sample_max_rows = 0;
    let fallback = AppState::open(config).await.unwrap();
    scan(&fallback, &db.url).await;
    assert_eq!(semantic(&app, &tables, &mut seen).await, BTreeSet::new(), "a change of method is not drift");

    exec(&Change::Tax(1.19).sql(Dialect::Postgres, "calls")).await;
    scan(&app, &db.url).await;
    let found = semantic(&app, &tables, &mut seen).await;
    assert_eq!(found, BTreeSet::from([("calls.price".to_string(), "tax_change".to_string())]), "compared with the last hashed sample");
}
