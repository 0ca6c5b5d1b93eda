//! Drift-detection benchmark at warehouse scale: a PostgreSQL call log of 300,000 rows, scanned
//! through the whole scan path into a fresh embedded catalog, in many generated scenarios.
//!
//! - Change scenarios: a new table (its own seed), a scan, one planted change in every row
//!   (+7%, +19% on prices; x60, x1000 on durations; +1 h, +2 h on start times), a scan. Found
//!   when the right kind lands on the right column; any other semantic event is a false alarm.
//! - Quiet scenarios: a new table, a scan, then an unchanged re-scan, a reorder (`CLUSTER`), a
//!   `VACUUM FULL`, and appending 1% new rows of the same distribution, each followed by a
//!   scan. Any semantic event is a false alarm.
//!
//! Each scenario runs twice in the same run: with the default sampling (the rows with the
//! smallest hash of the key, as many as the detectors need), and with the previous default as
//! the baseline (100 rows drawn by the engine's page sampling). It prints detection rates,
//! false alarms and the cost of a scan.
//!
//! Usage: `cargo bench --bench bench_drift -- [--quick] [--admin-url URL]`

use almanac::app::AppState;
use almanac::catalog::names::QualifiedName;
use almanac::catalog::{NewSource, SourceName};
use almanac::config::Config;
use almanac_fixtures::drift::{create_table, insert_rows, Dialect, Maintenance, CHANGES, ROWS};
use almanac_scanners::SourceUrl;
use sqlx::{Connection, Executor};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

const DATABASE: &str = "almanac_bench_drift";
const SEMANTIC: &[&str] = &["null_rate_shift", "unit_change", "tax_change", "timezone_shift", "format_change", "duplicates_rise"];
const D: Dialect = Dialect::Postgres;

/// One way of sampling, with the catalog configuration that selects it.
struct Way {
    label: &'static str,
    config: fn(Config) -> Config,
}

const WAYS: [Way; 2] = [
    Way { label: "hash of the key, rows the detectors need (default)", config: |c| c },
    Way {
        label: "baseline: 100 rows by page sampling (the previous default)",
        config: |mut c| {
            c.scan.profile_rows = Some(100);
            c.scan.hash_sample_max_rows = 0;
            c
        },
    },
];

#[derive(Default)]
struct Tally {
    planted: usize,
    found: usize,
    /// Found, per change label: (found, planted).
    by_change: Vec<(String, usize, usize)>,
    quiet_scans: usize,
    false_alarms: usize,
    alarm_kinds: BTreeSet<String>,
    scan_times: Vec<Duration>,
}

async fn run(pg: &str, sql: &str) -> anyhow::Result<()> {
    let mut conn = sqlx::PgConnection::connect(pg).await?;
    // One statement at a time: VACUUM may not run inside the implicit transaction of a batch.
    for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        conn.execute(sqlx::AssertSqlSafe(statement.to_string())).await?;
    }
    conn.close().await?;
    Ok(())
}

/// A catalog of its own for one scenario.
struct Catalog {
    app: AppState,
    dir: std::path::PathBuf,
    url: SourceUrl,
    seen: usize,
}

impl Catalog {
    async fn open(way: &Way, url: &str, n: usize) -> anyhow::Result<Catalog> {
        let dir = std::env::temp_dir().join(format!("almanac_bench_drift_{}_{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let config = (way.config)(Config { store: format!("sqlite://{}/catalog.db", dir.display()), ..Config::default() });
        Ok(Catalog { app: AppState::open(config).await?, dir, url: SourceUrl::parse(url)?, seen: 0 })
    }

    /// Scans the source; returns the scan's time and the semantic events it recorded as
    /// (column, kind).
    async fn scan(&mut self, tally: &mut Tally) -> anyhow::Result<BTreeSet<(String, String)>> {
        let app = &self.app;
        let source = app
            .catalog
            .ensure_source(NewSource {
                name: SourceName::parse("calls")?,
                url: self.url.clone(),
                password_env: None,
                password_file: None,
                sample_rows: None,
            })
            .await?;
        let s = app.catalog.start_scan(source.id).await?;
        let t = Instant::now();
        almanac::scanning::run(&app.catalog, &app.config, &app.classifier, &source, s.id, &self.url, None).await?;
        tally.scan_times.push(t.elapsed());
        let all = almanac::history::timeline(&app.catalog, &QualifiedName::parse("calls.public.calls")?).await?;
        let new = all
            .iter()
            .skip(self.seen)
            .filter(|e| SEMANTIC.contains(&e.kind.as_str()))
            .map(|e| (e.column.clone().unwrap_or_default(), e.kind.as_str().to_string()))
            .collect();
        self.seen = all.len();
        Ok(new)
    }

    fn close(self) {
        drop(self.app);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn fresh_table(pg: &str, seed: u32) -> anyhow::Result<()> {
    run(pg, &format!("DROP TABLE IF EXISTS calls; {}", create_table(D, "calls", true))).await?;
    run(pg, &insert_rows(D, "calls", 1, ROWS, seed)).await
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let admin = almanac_fixtures::bench_warehouse::admin_url(&args);
    let mut admin_conn = sqlx::PgConnection::connect(&admin).await?;
    admin_conn.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))).await?;
    admin_conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {DATABASE}"))).await?;
    let mut url = url::Url::parse(&admin)?;
    url.set_path(&format!("/{DATABASE}"));
    let pg = url.to_string();

    let reps: u32 = if quick { 1 } else { 4 };
    println!(
        "drift scenarios on PostgreSQL, {ROWS} rows per table: {} change scenarios and {} quiet scenarios per way of sampling{}",
        CHANGES.len() as u32 * reps,
        reps,
        if quick { " (quick)" } else { "" }
    );
    let started = Instant::now();
    let mut n = 0;
    let mut medians = Vec::new();
    for way in &WAYS {
        let mut tally = Tally::default();
        for change in CHANGES {
            let (mut found, mut planted) = (0, 0);
            for rep in 0..reps {
                n += 1;
                fresh_table(&pg, 1 + rep * 7 + n as u32).await?;
                let mut cat = Catalog::open(way, &pg, n).await?;
                cat.scan(&mut tally).await?;
                run(&pg, &change.sql(D, "calls")).await?;
                let events = cat.scan(&mut tally).await?;
                cat.close();
                let (column, kind) = change.expected();
                planted += 1;
                let hit = events.contains(&(column.to_string(), kind.to_string()));
                found += usize::from(hit);
                let others: Vec<_> = events.iter().filter(|e| (e.0.as_str(), e.1.as_str()) != (column, kind)).collect();
                tally.false_alarms += others.len();
                tally.alarm_kinds.extend(others.iter().map(|(c, k)| format!("{k} on {c} after {}", change.label())));
            }
            tally.planted += planted;
            tally.found += found;
            tally.by_change.push((change.label(), found, planted));
        }
        for rep in 0..reps {
            n += 1;
            fresh_table(&pg, 1000 + rep + n as u32).await?;
            let mut cat = Catalog::open(way, &pg, n).await?;
            cat.scan(&mut tally).await?;
            let steps: [(&str, String); 4] = [
                ("unchanged", String::new()),
                (Maintenance::Reorder.label(), Maintenance::Reorder.sql(D, "calls")),
                (Maintenance::Compact.label(), Maintenance::Compact.sql(D, "calls")),
                ("append 1%", insert_rows(D, "calls", ROWS + 1, ROWS / 100, 2000 + rep)),
            ];
            for (label, sql) in steps {
                if !sql.is_empty() {
                    run(&pg, &sql).await?;
                }
                let events = cat.scan(&mut tally).await?;
                tally.quiet_scans += 1;
                tally.false_alarms += events.len();
                tally.alarm_kinds.extend(events.iter().map(|(c, k)| format!("{k} on {c} after {label}")));
            }
            cat.close();
        }
        let mut times = tally.scan_times.clone();
        times.sort();
        let median = times[times.len() / 2];
        medians.push(median);
        println!("{}:", way.label);
        println!(
            "  detection: {} of {} planted changes found with the right kind on the right column ({:.0}%)",
            tally.found,
            tally.planted,
            100.0 * tally.found as f64 / tally.planted.max(1) as f64
        );
        println!("  by change: {}", tally.by_change.iter().map(|(l, f, p)| format!("{l} {f}/{p}")).collect::<Vec<_>>().join(", "));
        println!(
            "  false alarms: {} over {} change scans and {} quiet scans (unchanged, reorder, VACUUM FULL, +1% rows){}",
            tally.false_alarms,
            tally.planted,
            tally.quiet_scans,
            if tally.alarm_kinds.is_empty() {
                String::new()
            } else {
                format!(": {}", tally.alarm_kinds.iter().take(6).cloned().collect::<Vec<_>>().join("; "))
            }
        );
        println!(
            "  cost per scan of the 300,000-row table (scan, profiles, ingest into SQLite): median {:.3}s, max {:.3}s over {} scans",
            median.as_secs_f64(),
            times.last().copied().unwrap_or_default().as_secs_f64(),
            times.len()
        );
    }
    if let [default, baseline] = medians.as_slice() {
        println!("cost ratio, default / baseline sampling, median scan: {:.2}x", default.as_secs_f64() / baseline.as_secs_f64().max(1e-9));
    }
    println!("total benchmark time {:.0}s", started.elapsed().as_secs_f64());
    admin_conn.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))).await?;
    Ok(())
}
