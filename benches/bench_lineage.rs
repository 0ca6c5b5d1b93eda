//! Lineage benchmark: 10,000 generated view definitions over the scan benchmark's PostgreSQL
//! warehouse (2,020 tables), in five layers (views over tables, then views over the views of
//! the layer below), resolved and recorded through `add-sql` into a fresh SQLite catalog;
//! prints output columns per second. sqlglot's lineage module (benches/sqlglot_lineage.py)
//! resolves a sample of the same statements with the same schema in the same run, and the
//! ratio is printed (target: at least 50x). Then the downstream impact of a column five levels
//! deep over the edges recorded (over 100,000), in process (target: under 50 ms).
//!
//! Usage: `cargo bench --bench bench_lineage -- [--quick] [--python PATH] [--admin-url URL]`
//! sqlglot runs with the Python given by `--python` or `ALMANAC_SQLGLOT_PYTHON` (one with
//! `sqlglot` installed); without one, only Almanac's figures are printed.

use almanac::app::AppState;
use almanac::catalog::NewSource;
use almanac::config::Config;
use almanac::lineage::graph::{walk_ids, Direction, Start};
use almanac::lineage::sql::{resolve_script, Context, Outcome, SchemaMap, SqlDialect};
use almanac::lineage::submit::{add_sql, SqlSubmission};
use almanac_fixtures::bench_warehouse::{admin_url, build_warehouse, DATABASE, FACTS, SCHEMAS};
use almanac_scanners::SourceUrl;
use std::time::{Duration, Instant};

// The allocator the almanac binary runs with (see src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const VIEWS: usize = 10_000;
const LAYERS: usize = 5;
const PER_LAYER: usize = VIEWS / LAYERS;
/// The columns every generated view has, in order.
const VIEW_COLUMNS: [&str; 8] = ["fact_id", "customer_id", "email", "full_name", "amount_eur", "currency", "paid_price", "contact"];
const FACT_COLUMNS: [&str; 19] = [
    "id",
    "customer_id",
    "amount_cents",
    "currency",
    "status",
    "note",
    "ip",
    "created_at",
    "updated_at",
    "duration_ms",
    "qty",
    "price",
    "tax",
    "sku",
    "country",
    "city",
    "zip",
    "channel",
    "flag",
];
const CUSTOMER_COLUMNS: [&str; 6] = ["id", "email", "full_name", "phone", "birth_date", "created_at"];

/// View `i`: layer `i / PER_LAYER`, schema `dom_{i % SCHEMAS + 1}`; layer 0 reads fact tables
/// and customers, higher layers read the view `i - PER_LAYER` of the same schema.
fn view_sql(i: usize) -> String {
    let s = i % SCHEMAS + 1;
    let f = i % FACTS + 1;
    let g = (i + 37) % FACTS + 1;
    let layer = i / PER_LAYER;
    let body = if layer == 0 {
        match (i / SCHEMAS) % 4 {
            0 => format!(
                "SELECT f.id AS fact_id, f.customer_id, c.email, upper(c.full_name) AS full_name, f.amount_cents / 100.0 AS amount_eur, f.currency, \
                 CASE WHEN f.status = 'paid' THEN f.price ELSE 0 END AS paid_price, coalesce(f.city, c.phone) AS contact \
                 FROM dom_{s}.fact_{f} f JOIN dom_{s}.customers c ON c.id = f.customer_id WHERE f.flag"
            ),
            1 => format!(
                "WITH t AS (SELECT customer_id, sum(amount_cents) AS total, max(id) AS last_id, min(currency) AS cur, sum(price) AS p \
                 FROM dom_{s}.fact_{f} WHERE status <> 'void' GROUP BY customer_id HAVING count(*) > 1) \
                 SELECT t.last_id AS fact_id, c.id AS customer_id, c.email, c.full_name, t.total / 100.0 AS amount_eur, t.cur AS currency, \
                 t.p AS paid_price, c.phone AS contact FROM t JOIN dom_{s}.customers c ON c.id = t.customer_id"
            ),
            2 => format!(
                "SELECT id AS fact_id, customer_id, (SELECT email FROM dom_{s}.customers c WHERE c.id = f.customer_id) AS email, note AS full_name, \
                 sum(amount_cents) OVER (PARTITION BY customer_id ORDER BY created_at) / 100.0 AS amount_eur, currency, price + tax AS paid_price, \
                 concat(city, ' ', zip) AS contact FROM dom_{s}.fact_{f} f WHERE created_at > now() - interval '30 days'"
            ),
            _ => format!(
                "SELECT id AS fact_id, customer_id, sku AS email, channel AS full_name, amount_cents::numeric / 100 AS amount_eur, currency, \
                 price AS paid_price, city AS contact FROM dom_{s}.fact_{f} \
                 UNION ALL SELECT id, customer_id, sku, channel, amount_cents / 100.0, currency, price, country FROM dom_{s}.fact_{g}"
            ),
        }
    } else {
        let below = i - PER_LAYER;
        if (i / SCHEMAS).is_multiple_of(3) {
            format!(
                "SELECT max(v.fact_id) AS fact_id, v.customer_id, min(v.email) AS email, min(v.full_name) AS full_name, sum(v.amount_eur) AS amount_eur, \
                 min(v.currency) AS currency, avg(v.paid_price) AS paid_price, max(v.contact) AS contact FROM dom_{s}.v_{below} v GROUP BY v.customer_id"
            )
        } else {
            format!(
                "SELECT v.fact_id, v.customer_id, lower(v.email) AS email, v.full_name, round(v.amount_eur, 2) AS amount_eur, v.currency, \
                 v.paid_price * 1.19 AS paid_price, v.contact FROM dom_{s}.v_{below} v WHERE v.currency = 'EUR'"
            )
        }
    };
    format!("CREATE VIEW dom_{s}.v_{i} AS {body}")
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn sqlglot_schema() -> serde_json::Value {
    let mut schema = serde_json::Map::new();
    for s in 1..=SCHEMAS {
        let mut tables = serde_json::Map::new();
        let cols = |names: &[&str]| serde_json::Value::Object(names.iter().map(|c| (c.to_string(), "text".into())).collect());
        tables.insert("customers".into(), cols(&CUSTOMER_COLUMNS));
        for f in 1..=FACTS {
            tables.insert(format!("fact_{f}"), cols(&FACT_COLUMNS));
        }
        for i in (0..VIEWS).filter(|i| i % SCHEMAS + 1 == s) {
            tables.insert(format!("v_{i}"), cols(&VIEW_COLUMNS));
        }
        schema.insert(format!("dom_{s}"), serde_json::Value::Object(tables));
    }
    serde_json::Value::Object(schema)
}

/// sqlglot's output columns per second on `statements` in one of the script's modes, with its
/// own report line.
fn sqlglot(python: &str, statements: &[String], budget_secs: u32, mode: &str) -> anyhow::Result<(f64, serde_json::Value)> {
    let input = serde_json::json!({ "dialect": "postgres", "schema": sqlglot_schema(), "statements": statements, "seconds": budget_secs });
    let path = std::env::temp_dir().join(format!("almanac_sqlglot_{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_vec(&input)?)?;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/sqlglot_lineage.py");
    let out = std::process::Command::new(python).arg(script).arg(&path).arg("--mode").arg(mode).output()?;
    let _ = std::fs::remove_file(&path);
    if !out.status.success() {
        anyhow::bail!("sqlglot run failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let line = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(line.trim())?;
    let cps = report["columns_per_second"].as_f64().unwrap_or(0.0);
    Ok((cps, report))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned());
    let python = arg("--python").or_else(|| std::env::var("ALMANAC_SQLGLOT_PYTHON").ok()).filter(|p| !p.is_empty());
    let admin = admin_url(&args);
    let mut url = url::Url::parse(&admin)?;
    url.set_path(&format!("/{DATABASE}"));
    let url = url.to_string();
    if build_warehouse(&admin, &url).await? {
        println!("warehouse built ({DATABASE})");
    }

    // The warehouse's schema in a fresh embedded catalog (schema only).
    let dir = std::env::temp_dir().join(format!("almanac_bench_lineage_{}", std::process::id()));
    let mut config = Config { store: format!("sqlite://{}/catalog.db", dir.display()), ..Config::default() };
    config.scan.sample_rows = 0;
    let app = AppState::open(config).await?;
    let source = SourceUrl::parse(&url)?;
    let src = app
        .catalog
        .register_source(NewSource {
            name: almanac::catalog::SourceName::parse("bench").expect("valid name"),
            url: source.clone(),
            password_env: None,
            password_file: None,
            sample_rows: Some(0),
        })
        .await?;
    let scan = app.catalog.start_scan(src.id).await?;
    almanac::scanning::run(&app.catalog, &app.config, &app.classifier, &src, scan.id, &source, None).await?;

    let statements: Vec<String> = (0..VIEWS).map(view_sql).collect();
    let script = statements.join(";\n");

    // The resolver alone, against the same schema in memory (no store writes).
    let mut schema = SchemaMap::new();
    for s in 1..=SCHEMAS {
        schema.insert(&format!("dom_{s}"), "customers", CUSTOMER_COLUMNS.iter().map(|c| c.to_string()).collect());
        for f in 1..=FACTS {
            schema.insert(&format!("dom_{s}"), &format!("fact_{f}"), FACT_COLUMNS.iter().map(|c| c.to_string()).collect());
        }
    }
    let ctx = Context { dialect: SqlDialect::Postgres, search_path: vec!["public".into()] };
    let mut times = Vec::new();
    let mut resolved_columns = 0;
    for _ in 0..if quick { 2 } else { 5 } {
        let t = Instant::now();
        let reports = resolve_script(&script, &ctx, &schema)?;
        times.push(t.elapsed());
        resolved_columns = reports
            .iter()
            .map(|r| match &r.outcome {
                Outcome::Lineage(l) => l.columns.len(),
                _ => 0,
            })
            .sum::<usize>();
    }
    let resolve = median(&mut times);
    println!(
        "resolver alone: {VIEWS} view definitions, {resolved_columns} output columns in {:.3}s: {:.0} columns/s",
        resolve.as_secs_f64(),
        resolved_columns as f64 / resolve.as_secs_f64()
    );

    // Through add-sql: resolution plus declaring the views and writing their edges.
    let t = Instant::now();
    let report = add_sql(
        &app.catalog,
        SqlSubmission { source: "bench".into(), sql: script.clone(), dialect: Some(SqlDialect::Postgres), namespace: None },
    )
    .await?;
    let elapsed = t.elapsed();
    let failed =
        report.statements.iter().filter(|s| !matches!(s.result, almanac::lineage::submit::StatementResult::Recorded { .. })).count();
    let almanac_cps = report.columns as f64 / elapsed.as_secs_f64();
    println!(
        "add-sql: {} statements ({failed} not recorded), {} output columns, {} edges recorded in {:.3}s: {almanac_cps:.0} output columns/s",
        report.statements.len(),
        report.columns,
        report.edges,
        elapsed.as_secs_f64()
    );
    assert_eq!(failed, 0, "every generated view resolves");
    // Submitting the same script again changes nothing.
    let t = Instant::now();
    let again =
        add_sql(&app.catalog, SqlSubmission { source: "bench".into(), sql: script, dialect: Some(SqlDialect::Postgres), namespace: None })
            .await?;
    println!("add-sql of the same script again (replaces its edges): {:.3}s, {} edges", t.elapsed().as_secs_f64(), again.edges);

    match python {
        Some(py) => {
            // A sample spread over all layers; sqlglot resolves each output column on its own.
            let step = if quick { 40 } else { 10 };
            let sample: Vec<String> = statements.iter().step_by(step).cloned().collect();
            // As its documentation calls it (lineage(column, sql, schema=, dialect=) for each
            // output column), and its two fastest documented ways (one pre-built scope per
            // statement; all columns of a statement at once).
            let mut measured = Vec::new();
            for mode in ["naive", "scope", "all"] {
                let (c, line) = sqlglot(&py, &sample, if quick { 30 } else { 120 }, mode)?;
                println!("sqlglot {} ({mode} mode) on {} of the statements: {line}", line["sqlglot"].as_str().unwrap_or("?"), sample.len());
                measured.push(c);
            }
            let fastest = measured[1].max(measured[2]);
            let resolver_cps = resolved_columns as f64 / resolve.as_secs_f64();
            println!(
                "ratio to sqlglot as documented ({:.0} columns/s): add-sql {:.0}x (target >= 50x), resolver alone {:.0}x",
                measured[0],
                almanac_cps / measured[0].max(1e-9),
                resolver_cps / measured[0].max(1e-9)
            );
            println!(
                "ratio to sqlglot's fastest mode ({fastest:.0} columns/s): add-sql {:.0}x, resolver alone {:.0}x",
                almanac_cps / fastest.max(1e-9),
                resolver_cps / fastest.max(1e-9)
            );
        }
        None => println!("sqlglot: not measured (set ALMANAC_SQLGLOT_PYTHON or --python to a Python with sqlglot installed)"),
    }

    // Downstream impact 5 levels deep: from the customers.email column with the most views
    // over it, through the five layers.
    let col = app.catalog.column_by_name(&almanac::catalog::names::QualifiedName::parse("bench.dom_1.customers.email")?).await?;
    let db = app.catalog.connection();
    let mut times = Vec::new();
    let mut reached = 0;
    for _ in 0..if quick { 10 } else { 50 } {
        let t = Instant::now();
        let (edges, _) = walk_ids(db, Start::Column(col.id), Direction::Down, 5, usize::MAX).await?;
        times.push(t.elapsed());
        reached = edges.len();
    }
    let total_edges = report.edges;
    let walk = median(&mut times);
    println!(
        "downstream impact of bench.dom_1.customers.email, 5 levels over {total_edges} edges: {reached} edges reached, median {:.2} ms (target < 50 ms)",
        walk.as_secs_f64() * 1000.0
    );
    let t = Instant::now();
    let (datasets, _) = almanac::lineage::graph::impact(&app.catalog, &col.qualified_name, 5).await?;
    println!(
        "impact report (named, grouped by dataset, with owners): {} datasets in {:.1} ms",
        datasets.len(),
        t.elapsed().as_secs_f64() * 1000.0
    );
    drop(app);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
