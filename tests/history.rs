//! Drift detection on real sources (PostgreSQL and SQLite): scan, re-scan unchanged data
//! (no semantic event), then change the data the ways the issue lists and re-scan: each change
//! is found with the right kind on the right column, and nothing else is reported.

mod common;

use almanac::app::AppState;
use almanac::catalog::names::QualifiedName;
use common::{open_app, PgDatabase, StoreKind, TempDir, TestStore};
use sqlx::Connection;
use std::collections::BTreeSet;

const SEMANTIC: &[&str] = &["null_rate_shift", "unit_change", "tax_change", "timezone_shift", "format_change", "duplicates_rise"];
const FIRST: &[&str] = &["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "John"];
const LAST: &[&str] = &["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus"];

enum Source {
    Pg(PgDatabase),
    Lite(TempDir),
}

impl Source {
    fn url(&self) -> String {
        match self {
            Source::Pg(db) => db.url.clone(),
            Source::Lite(dir) => format!("sqlite://{}/shop.db", dir.path().display()),
        }
    }
    async fn execute(&self, sql: &str) {
        match self {
            Source::Pg(db) => db.execute(sql).await,
            Source::Lite(dir) => {
                let url = format!("sqlite://{}/shop.db?mode=rwc", dir.path().display());
                let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut c).await.unwrap_or_else(|e| panic!("{e}: {sql}"));
                c.close().await.unwrap();
            }
        }
    }
    fn pg(&self) -> bool {
        matches!(self, Source::Pg(_))
    }
}

fn seed_sql(pg: bool) -> String {
    let ts = if pg { "timestamp" } else { "TEXT" };
    let mut sql = format!(
        "CREATE TABLE orders (id integer PRIMARY KEY, duration_s numeric(12,3), price numeric(10,2), created_at {ts}, customer_name text, note text, qty integer);\n"
    );
    for i in 0..200i64 {
        let duration = 1.0 + ((i * 37) % 500) as f64 + (i % 7) as f64 / 8.0;
        let price = 5.0 + ((i * 53) % 300) as f64 + 0.99;
        let at = chrono::DateTime::from_timestamp(1_704_067_200 + i * 7919, 0).unwrap().format("%Y-%m-%d %H:%M:%S");
        let name = format!("{} {}", FIRST[(i % 8) as usize], LAST[((i * 3 + i / 8) % 8) as usize]);
        sql.push_str(&format!(
            "INSERT INTO orders VALUES ({i}, {duration:.3}, {price:.2}, '{at}', '{name}', 'delivered to door {i}', {});\n",
            1 + i % 9
        ));
    }
    sql
}

fn change_sql(pg: bool) -> &'static str {
    if pg {
        "UPDATE orders SET duration_s = duration_s * 1000, price = round(price * 1.19, 2), created_at = created_at + interval '2 hours',
                customer_name = split_part(customer_name, ' ', 2) || ', ' || split_part(customer_name, ' ', 1),
                note = CASE WHEN id % 5 < 2 THEN NULL ELSE note END;
         ALTER TABLE orders ALTER COLUMN qty TYPE bigint;"
    } else {
        "UPDATE orders SET duration_s = duration_s * 1000, price = round(price * 1.19, 2), created_at = datetime(created_at, '+2 hours'),
                customer_name = substr(customer_name, instr(customer_name, ' ') + 1) || ', ' || substr(customer_name, 1, instr(customer_name, ' ') - 1),
                note = CASE WHEN id % 5 < 2 THEN NULL ELSE note END;
         CREATE TABLE orders_new (id integer PRIMARY KEY, duration_s numeric(12,3), price numeric(10,2), created_at TEXT, customer_name text, note text, qty bigint);
         INSERT INTO orders_new SELECT * FROM orders;
         DROP TABLE orders;
         ALTER TABLE orders_new RENAME TO orders;"
    }
}

async fn scan(app: &AppState, url: &str) {
    common::scan_source(app, "shop", url, Some(1000)).await;
}

/// (column, kind) of the timeline's events of these kinds, after event number `skip`.
async fn events(app: &AppState, name: &str, kinds: &[&str], skip: usize) -> (BTreeSet<(String, String)>, usize) {
    let all = almanac::history::timeline(&app.catalog, &QualifiedName::parse(name).unwrap()).await.unwrap();
    let n = all.len();
    let set = all
        .into_iter()
        .skip(skip)
        .filter(|e| kinds.contains(&e.kind.as_str()))
        .map(|e| (e.column.unwrap_or_default(), e.kind.as_str().to_string()))
        .collect();
    (set, n)
}

async fn each_change_is_detected_and_nothing_else(source: Source) {
    let Some(store) = TestStore::create(StoreKind::Sqlite).await else { return };
    let app = open_app(&store).await;
    source.execute(&seed_sql(source.pg())).await;
    let table = if source.pg() { "shop.public.orders" } else { "shop.main.orders" };

    // Unchanged data, scanned again and again: no semantic event.
    for _ in 0..4 {
        scan(&app, &source.url()).await;
    }
    let (found, seen) = events(&app, table, SEMANTIC, 0).await;
    assert!(found.is_empty(), "false alarms on unchanged data: {found:?}");

    source.execute(change_sql(source.pg())).await;
    scan(&app, &source.url()).await;
    let mut kinds: Vec<&str> = SEMANTIC.to_vec();
    kinds.push("type_changed");
    let (found, seen) = events(&app, table, &kinds, seen).await;
    let mut expected: BTreeSet<(String, String)> = [
        ("duration_s", "unit_change"),
        ("price", "tax_change"),
        ("created_at", "timezone_shift"),
        ("customer_name", "format_change"),
        ("note", "null_rate_shift"),
    ]
    .iter()
    .map(|(c, k)| (c.to_string(), k.to_string()))
    .collect();
    expected.insert(("qty".into(), "type_changed".into()));
    assert_eq!(found, expected);

    // The evidence says what was compared.
    let timeline = almanac::history::timeline(&app.catalog, &QualifiedName::parse(&format!("{table}.duration_s")).unwrap()).await.unwrap();
    let unit = timeline.iter().find(|e| e.kind.as_str() == "unit_change").unwrap();
    assert_eq!(unit.details["evidence"]["factor"], 1000.0);
    let tz = almanac::history::timeline(&app.catalog, &QualifiedName::parse(&format!("{table}.created_at")).unwrap()).await.unwrap();
    assert_eq!(tz.iter().find(|e| e.kind.as_str() == "timezone_shift").unwrap().details["evidence"]["hours"], 2.0);

    // A form starts submitting twice: 10% of the rows come again under new ids.
    source
        .execute(
            "INSERT INTO orders SELECT id + 1000, duration_s, price, created_at, customer_name, note, qty FROM orders WHERE id % 10 = 0",
        )
        .await;
    scan(&app, &source.url()).await;
    let (found, seen) = events(&app, table, SEMANTIC, seen).await;
    assert_eq!(found, [(String::new(), "duplicates_rise".to_string())].into());

    // And quiet again afterwards.
    scan(&app, &source.url()).await;
    let (found, _) = events(&app, table, SEMANTIC, seen).await;
    assert!(found.is_empty(), "{found:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql() {
    let Some(db) = PgDatabase::create().await else { return };
    each_change_is_detected_and_nothing_else(Source::Pg(db)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite() {
    each_change_is_detected_and_nothing_else(Source::Lite(TempDir::new())).await;
}

#[tokio::test]
async fn history_command_prints_the_documented_json() {
    let dir = TempDir::new();
    let source = Source::Lite(TempDir::new());
    source.execute(&seed_sql(false)).await;
    let store = format!("sqlite://{}/catalog.db", dir.path().display());
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_almanac"))
            .args(args)
            .env("ALMANAC_STORE", &store)
            .env_remove("ALMANAC_CONFIG")
            .output()
            .unwrap()
    };
    assert!(run(&["scan", &source.url(), "--name", "shop", "--sample-rows", "1000"]).status.success());
    source.execute(change_sql(false)).await;
    let out = run(&["scan", "shop"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["history", "shop.main.orders", "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let events: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(events[0]["kind"], "dataset_added");
    let mut at = String::new();
    for e in &events {
        let t = e["at"].as_str().unwrap().to_string();
        assert!(t >= at, "oldest first");
        at = t;
        assert!(e.get("details").is_some() && e.get("column").is_some());
    }
    let unit: Vec<&serde_json::Value> = events.iter().filter(|e| e["kind"] == "unit_change").collect();
    assert_eq!(unit.len(), 1);
    assert_eq!(unit[0]["column"], "duration_s");
    let out = run(&["history", "shop.main.orders.note", "--format", "json", "--kind", "null_rate_shift"]);
    let events: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["details"]["evidence"]["null_fraction_after"], 0.4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meanings_over_time_reviews_and_timelines_through_graphql() {
    use common::{error_code, TestApp};
    use serde_json::json;
    let Some(store) = TestStore::create(StoreKind::Sqlite).await else { return };
    let app = TestApp::spawn(&store).await;
    let source = Source::Lite(TempDir::new());
    source.execute(&seed_sql(false)).await;
    scan(&app.state, &source.url()).await;
    source.execute(change_sql(false)).await;
    scan(&app.state, &source.url()).await;

    let col = |name: &str| format!("shop.main.orders.{name}");
    let q = "query($n: String!, $k: [ChangeKind!]) { column(qualifiedName: $n) { id
               timeline(kinds: $k) { edges { node { id kind details review { decision author note } } } pageInfo { hasNextPage } }
               profiles(first: 5) { scanId profile } } }";
    let r = app.query_ok(q, json!({ "n": col("duration_s"), "k": ["UNIT_CHANGE"] })).await;
    let column_id = r["column"]["id"].as_str().unwrap().to_string();
    let unit = &r["column"]["timeline"]["edges"][0]["node"];
    assert_eq!(unit["kind"], "UNIT_CHANGE");
    assert!(unit["review"].is_null());
    let profiles = r["column"]["profiles"].as_array().unwrap();
    assert_eq!(profiles.len(), 2);
    assert!(
        profiles[0]["profile"]["numbers"]["median"].as_f64().unwrap()
            > 1000.0 * profiles[1]["profile"]["numbers"]["median"].as_f64().unwrap() * 0.9
    );

    // Acknowledge the unit change, recording the meaning from a date on.
    let ack = "mutation($id: ID!, $m: String, $d: Date) { acknowledgeChange(id: $id, note: \"planned\", meaning: $m, effectiveFrom: $d) { decision author meaningId } }";
    let r = app.query_ok(ack, json!({ "id": unit["id"], "m": "Elapsed time in milliseconds", "d": "2024-03-01" })).await;
    assert_eq!(r["acknowledgeChange"]["decision"], "ACKNOWLEDGED");
    assert!(r["acknowledgeChange"]["meaningId"].as_str().is_some());
    let again = app.graphql(ack, json!({ "id": unit["id"] })).await;
    assert_eq!(error_code(&again).as_deref(), Some("CONFLICT"));
    // Dismiss the tax change as a false alarm; a structural event cannot be reviewed.
    let r = app.query_ok(q, json!({ "n": col("price"), "k": ["TAX_CHANGE"] })).await;
    let tax = r["column"]["timeline"]["edges"][0]["node"]["id"].clone();
    let r = app
        .query_ok(
            "mutation($id: ID!) { dismissChange(id: $id, note: \"prices were re-entered gross\") { decision } }",
            json!({ "id": tax }),
        )
        .await;
    assert_eq!(r["dismissChange"]["decision"], "DISMISSED");
    let r = app.query_ok(q, json!({ "n": col("price"), "k": ["TAX_CHANGE"] })).await;
    assert_eq!(r["column"]["timeline"]["edges"][0]["node"]["review"]["decision"], "DISMISSED");
    let added = app
        .query_ok(
            "{ dataset(qualifiedName: \"shop.main.orders\") { timeline(kinds: [DATASET_ADDED]) { edges { node { id } } } } }",
            json!({}),
        )
        .await;
    let bad = app
        .graphql(
            "mutation($id: ID!) { dismissChange(id: $id) { decision } }",
            json!({ "id": added["dataset"]["timeline"]["edges"][0]["node"]["id"] }),
        )
        .await;
    assert_eq!(error_code(&bad).as_deref(), Some("INVALID_INPUT"));

    // Meanings over time: every version kept, answered for any date.
    app.query_ok(
        "mutation($c: ID!) { annotateMeaning(columnId: $c, meaning: \"Elapsed time in microseconds\", effectiveFrom: \"2025-01-01\") { id } }",
        json!({ "c": column_id }),
    )
    .await;
    let at = "query($n: String!, $d: Date!) { column(qualifiedName: $n) { meaningAt(date: $d) { meaning effectiveFrom acknowledges } meanings { meaning } } }";
    let r = app.query_ok(at, json!({ "n": col("duration_s"), "d": "2024-02-01" })).await;
    assert!(r["column"]["meaningAt"].is_null());
    assert_eq!(r["column"]["meanings"].as_array().unwrap().len(), 2);
    let r = app.query_ok(at, json!({ "n": col("duration_s"), "d": "2024-06-30" })).await;
    assert_eq!(r["column"]["meaningAt"]["meaning"], "Elapsed time in milliseconds");
    assert_eq!(r["column"]["meaningAt"]["acknowledges"], unit["id"]);
    let r = app.query_ok(at, json!({ "n": col("duration_s"), "d": "2025-01-01" })).await;
    assert_eq!(r["column"]["meaningAt"]["meaning"], "Elapsed time in microseconds");

    // The meaning in effect is searchable like a description, within about a second.
    let started = std::time::Instant::now();
    loop {
        let r = app
            .query_ok(
                "{ search(query: \"elapsed microseconds\", first: 1) { hits { qualifiedName highlights { field fragment } } } }",
                json!({}),
            )
            .await;
        let hit = &r["search"]["hits"][0];
        // The earlier meaning ("milliseconds") also matches "elapsed": wait for the new one.
        if hit["qualifiedName"] == "shop.main.orders.duration_s" && hit["highlights"].to_string().contains("<b>microseconds</b>") {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "meaning not searchable: {r}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // One timeline: structure, detection, annotations and reviews, oldest first.
    let r = app
        .query_ok("{ column(qualifiedName: \"shop.main.orders.duration_s\") { timeline { edges { node { kind } } } } }", json!({}))
        .await;
    let kinds: Vec<&str> =
        r["column"]["timeline"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["UNIT_CHANGE", "MEANING_ANNOTATED", "CHANGE_ACKNOWLEDGED", "MEANING_ANNOTATED"]);
    // Each of these is in the audit log.
    let audit = almanac::audit::entries(app.state.catalog.connection(), &Default::default(), None, 20).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    for a in ["meaning.annotate", "change.acknowledge", "change.dismiss"] {
        assert!(actions.contains(&a), "{a} missing in {actions:?}");
    }
}
