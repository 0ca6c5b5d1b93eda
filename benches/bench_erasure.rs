//! Erasure benchmark: requests for data subjects of the scan benchmark's warehouse (2,020 tables;
//! each customer's rows are in 100 fact tables that reference it), each taken through the whole
//! workflow on the live database: created, planned (the live schema read, the subject's rows
//! found through the foreign keys and counted), approved, executed in one transaction and
//! verified. It runs on a copy of the warehouse made for the run (PostgreSQL `TEMPLATE`), and
//! prints subjects per second for each phase and for the whole.
//!
//! Usage: `cargo bench --bench bench_erasure -- [--quick] [--admin-url URL]` (quick: 20
//! subjects; otherwise all 1,000 customers).

use almanac::app::AppState;
use almanac::catalog::NewSource;
use almanac::config::Config;
use almanac::privacy::erasure::{execute, request, RequestKind, RequestStatus, SubjectIdentifier};
use almanac_fixtures::bench_warehouse::{admin_url, build_warehouse, DATABASE, SCHEMAS};
use almanac_scanners::SourceUrl;
use sqlx::{Connection, Executor};
use std::time::{Duration, Instant};

const COPY: &str = "almanac_bench_erasure";

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    almanac::allocation::avoid_huge_pages();
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let subjects = if quick { 20 } else { 1_000 };
    let admin = admin_url(&args);
    let with_db = |db: &str| -> anyhow::Result<String> {
        let mut url = url::Url::parse(&admin)?;
        url.set_path(&format!("/{db}"));
        Ok(url.to_string())
    };
    build_warehouse(&admin, &with_db(DATABASE)?).await?;
    let mut conn = sqlx::PgConnection::connect(&admin).await?;
    conn.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {COPY} WITH (FORCE)"))).await?;
    conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {COPY} TEMPLATE {DATABASE}"))).await?;
    let url = with_db(COPY)?;

    let dir = std::env::temp_dir().join(format!("almanac_bench_erasure_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = Config { store: format!("sqlite://{}/catalog.db", dir.display()), ..Config::default() };
    let app = AppState::open(config).await?;
    let source_url = SourceUrl::parse(&url)?;
    let source = app
        .catalog
        .register_source(NewSource {
            name: almanac::catalog::SourceName::parse("warehouse").unwrap(),
            url: source_url.clone(),
            password_env: None,
            password_file: None,
            sample_rows: Some(0),
        })
        .await?;
    let scan = app.catalog.start_scan(source.id).await?;
    almanac::scanning::run(&app.catalog, &app.config, &app.classifier, &source, scan.id, &source_url, None).await?;

    // Customer g of schema s, named by its key column: subjects spread over every schema.
    let who = |i: usize| format!("warehouse.dom_{}.customers.id={}", i % SCHEMAS + 1, i / SCHEMAS + 1);
    let (mut create, mut plan, mut approve, mut run) = (Duration::ZERO, Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut rows = 0i64;
    let started = Instant::now();
    for i in 0..subjects {
        let now = chrono::Utc::now();
        let subject = vec![SubjectIdentifier::parse(&who(i))?];
        let t = Instant::now();
        let r = request::create(&app.catalog, &app.config, RequestKind::Erasure, &subject, "intake", now).await?;
        create += t.elapsed();
        let t = Instant::now();
        let p = request::plan(&app.catalog, &app.config, r.id, now).await?;
        plan += t.elapsed();
        rows += p.steps.iter().map(|s| s.rows).sum::<i64>();
        let t = Instant::now();
        request::approve(&app.catalog, r.id, &p.plan_hash, "officer", now).await?;
        approve += t.elapsed();
        let t = Instant::now();
        let done = execute::execute(&app.catalog, &app.config, r.id, now).await?;
        run += t.elapsed();
        anyhow::ensure!(done.status == RequestStatus::Completed, "request {} ended {:?}", r.id, done.status);
    }
    let total = started.elapsed();
    let mut db = sqlx::PgConnection::connect(&url).await?;
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM dom_1.customers").fetch_one(&mut db).await?;
    anyhow::ensure!(left < 50, "no customer of dom_1 was erased");
    db.close().await?;

    let per_s = |d: Duration| subjects as f64 / d.as_secs_f64();
    println!("erasure of {subjects} subjects, {rows} rows, in the 2,020-table warehouse (each request planned, approved, executed and verified on its own):");
    println!(
        "  create {:.1} subjects/s, plan {:.1} subjects/s, approve {:.1} subjects/s, execute and verify {:.1} subjects/s",
        per_s(create),
        per_s(plan),
        per_s(approve),
        per_s(run)
    );
    println!("  whole workflow {:.2} subjects/s ({:.3}s per subject)", per_s(total), total.as_secs_f64() / subjects as f64);
    drop(app);
    let _ = std::fs::remove_dir_all(&dir);
    conn.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {COPY} WITH (FORCE)"))).await?;
    Ok(())
}
