//! The `almanac` binary as users run it: scan, show, sources, schema; exit codes and messages.

mod common;

use common::{almanac, MyDatabase, PgDatabase, TempDir};
use serde_json::{json, Value};
use std::process::Output;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn store_in(dir: &TempDir) -> String {
    format!("sqlite://{}/catalog.db", dir.path().display())
}

#[tokio::test]
async fn scan_and_show_a_sqlite_warehouse() {
    let dir = TempDir::new();
    let store = store_in(&dir);
    let wh = dir.path().join("warehouse.db");
    almanac_fixtures::warehouse::write_sample_warehouse(&wh).await.unwrap();
    let url = format!("sqlite://{}", wh.display());

    let out = almanac(&store, &["scan", &url]);
    assert!(out.status.success(), "{}", stderr(&out));
    let line = stdout(&out);
    assert!(line.starts_with("scanned warehouse (sqlite): 12 datasets, 90 columns, 13 changes in "), "{line}");
    // Not a terminal: plain progress lines on stderr instead of a bar.
    assert!(stderr(&out).contains("scan: reading schema"), "{}", stderr(&out));

    let again = almanac(&store, &["scan", "warehouse"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stdout(&again).contains("90 columns, 0 changes"), "{}", stdout(&again));

    let show = almanac(&store, &["show", "warehouse.main.orders", "--format", "json"]);
    assert!(show.status.success(), "{}", stderr(&show));
    let v: Value = serde_json::from_str(&stdout(&show)).expect("JSON");
    assert_eq!(v["qualified_name"], "warehouse.main.orders");
    assert_eq!(v["kind"], "table");
    let cols = v["columns"].as_array().unwrap();
    assert_eq!(cols.len(), 10);
    let total = cols.iter().find(|c| c["name"] == "total_amount").unwrap();
    assert_eq!(total["data_type"], "NUMERIC(12,2)");
    assert_eq!(total["nullable"], false);
    assert_eq!(total["comment"], "order total in the order currency, VAT included");
    assert!(total["description"].is_null());
    let fks = v["foreign_keys"].as_array().unwrap();
    assert!(fks.iter().any(|f| f["references"] == "warehouse.main.customers" && f["columns"][0] == "customer_id"));

    let text = almanac(&store, &["show", "warehouse.main.customers"]);
    assert!(stdout(&text).contains("email") && stdout(&text).contains("login e-mail address"));
    let col = almanac(&store, &["show", "warehouse.main.customers.email", "--format", "json"]);
    let c: Value = serde_json::from_str(&stdout(&col)).unwrap();
    assert_eq!((c["name"].as_str(), c["unique"].as_bool()), (Some("email"), Some(true)));

    let sources = almanac(&store, &["sources", "--format", "json"]);
    let s: Value = serde_json::from_str(&stdout(&sources)).unwrap();
    assert_eq!(s[0]["name"], "warehouse");
    assert_eq!(s[0]["last_scan"]["status"], "succeeded");
}

#[tokio::test]
async fn scan_postgres_and_mariadb_by_url() {
    let (Some(pg), Some(my)) = (PgDatabase::create().await, MyDatabase::create().await) else { return };
    pg.execute("CREATE TABLE customer (id int PRIMARY KEY, email text); COMMENT ON COLUMN customer.email IS 'e-mail';").await;
    my.execute("CREATE TABLE customer (id int PRIMARY KEY, email varchar(100) COMMENT 'e-mail');").await;
    let dir = TempDir::new();
    let store = store_in(&dir);

    let out = almanac(&store, &["scan", &pg.url, "--name", "crm"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("scanned crm (postgres): 1 datasets, 2 columns"), "{}", stdout(&out));
    let out = almanac(&store, &["scan", &my.url]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with(&format!("scanned {} (mysql): 1 datasets, 2 columns", my.name)), "{}", stdout(&out));

    let pg_show: Value = serde_json::from_str(&stdout(&almanac(&store, &["show", "crm.public.customer", "--format", "json"]))).unwrap();
    let my_show: Value =
        serde_json::from_str(&stdout(&almanac(&store, &["show", &format!("{0}.{0}.customer", my.name), "--format", "json"]))).unwrap();
    for v in [&pg_show, &my_show] {
        assert_eq!(v["columns"][1]["name"], "email");
        assert_eq!(v["columns"][1]["comment"], "e-mail");
    }
    // PostgreSQL reports the table's owning role; a MySQL table has no owner.
    let pg_user = url::Url::parse(&pg.url).unwrap().username().to_string();
    assert_eq!(pg_show["owner"], pg_user.as_str());
    assert_eq!((&pg_show["source_owner"], &pg_show["assigned_owner"]), (&json!(pg_user), &Value::Null));
    assert_eq!(my_show["owner"], Value::Null);

    // The same name for another URL is refused, never silently redirected.
    let clash = almanac(&store, &["scan", &my.url, "--name", "crm"]);
    assert!(!clash.status.success());
    assert!(stderr(&clash).contains("already registered"), "{}", stderr(&clash));
}

#[test]
fn failures_exit_non_zero_with_a_clear_message() {
    let dir = TempDir::new();
    let store = store_in(&dir);
    let cases: [(&[&str], &str); 6] = [
        (&["scan", "postgres://postgres@127.0.0.1:1/nothing"], "unreachable"),
        (&["scan", "oracle://db.example/x"], "unsupported source URL scheme"),
        (&["scan", "sqlite:///definitely/not/here.db"], "no SQLite file"),
        (&["scan", "no_such_source"], "neither a source URL nor a registered source"),
        (&["show", "a.b.c"], "not found"),
        (&["show", "a.b"], "is not a qualified name"),
    ];
    for (args, expected) in cases {
        let out = almanac(&store, args);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(stderr(&out).contains(expected), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).starts_with("error:") || stderr(&out).contains("\nerror:"), "{}", stderr(&out));
    }
    // A failed first scan registers nothing (the name stays free for the corrected URL).
    let failed = almanac(&store, &["sources", "--format", "json"]);
    let list: Value = serde_json::from_str(&stdout(&failed)).unwrap();
    assert!(list.as_array().unwrap().iter().all(|s| s["name"] != "nothing"), "{list}");

    let bad_store = almanac("mysql://nope", &["sources"]);
    assert!(!bad_store.status.success());
    assert!(stderr(&bad_store).contains("store"), "{}", stderr(&bad_store));
}

#[test]
fn schema_command_prints_the_checked_in_sdl() {
    let dir = TempDir::new();
    let out = almanac(&store_in(&dir), &["schema"]);
    assert!(out.status.success());
    let file = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql")).unwrap();
    assert_eq!(stdout(&out), file);
}

#[test]
fn serve_refuses_a_non_loopback_address_without_authentication() {
    let dir = TempDir::new();
    let out = almanac(&store_in(&dir), &["serve", "--listen", "0.0.0.0:0"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("refusing to listen on 0.0.0.0:0") && err.contains("127.0.0.1"), "{err}");
    // Nothing was created: the check comes before the store is opened.
    assert!(!dir.path().join("catalog.db").exists());
}

#[tokio::test]
async fn lineage_commands_print_the_documented_json_and_pii_lists_propagated_columns() {
    let dir = TempDir::new();
    let store = store_in(&dir);
    let wh = dir.path().join("warehouse.db");
    almanac_fixtures::warehouse::write_sample_warehouse(&wh).await.unwrap();
    let out = almanac(&store, &["scan", &format!("sqlite://{}", wh.display())]);
    assert!(out.status.success(), "{}", stderr(&out));

    // The quickstart warehouse's views: resolved at the scan.
    let up = almanac(
        &store,
        &["lineage", "warehouse.main.employee_directory.full_name", "--direction", "up", "--depth", "1", "--format", "json"],
    );
    assert!(up.status.success(), "{}", stderr(&up));
    let v: Value = serde_json::from_str(&stdout(&up)).expect("JSON");
    assert_eq!(v["root"], "warehouse.main.employee_directory.full_name");
    let mut edges: Vec<Value> = v["edges"].as_array().unwrap().clone();
    edges.sort_by_key(|e| e.to_string());
    assert_eq!(
        edges,
        [
            json!({ "from": "warehouse.main.employees.first_name", "to": "warehouse.main.employee_directory.full_name", "kind": "transformed", "origin": "view" }),
            json!({ "from": "warehouse.main.employees.last_name", "to": "warehouse.main.employee_directory.full_name", "kind": "transformed", "origin": "view" }),
            json!({ "from": "warehouse.main.employees.store_id", "to": "warehouse.main.employee_directory", "kind": "join", "origin": "view" }),
            json!({ "from": "warehouse.main.stores.store_id", "to": "warehouse.main.employee_directory", "kind": "join", "origin": "view" }),
        ]
    );

    // Around a dataset, each line names the column it concerns.
    let text = almanac(&store, &["lineage", "warehouse.main.employee_directory", "--direction", "up", "--depth", "1"]);
    assert!(stdout(&text).contains("  full_name: warehouse.main.employees.first_name [transformed, view]\n"), "{}", stdout(&text));
    assert!(stdout(&text).contains("  warehouse.main.stores.store_id [join, view]\n"), "{}", stdout(&text));

    // An ETL script from a file, with a broken statement in it.
    let etl = dir.path().join("etl.sql");
    std::fs::write(
        &etl,
        "-- nightly\nCREATE TABLE mkt AS SELECT lower(email) AS email, count(*) AS n FROM customers GROUP BY 1;\nSELEKT 1;\nCREATE VIEW mkt_view AS SELECT email FROM mkt;\n",
    )
    .unwrap();
    let add = almanac(&store, &["lineage", "add-sql", etl.to_str().unwrap(), "--source", "warehouse", "--format", "json"]);
    assert!(add.status.success(), "{}", stderr(&add));
    let r: Value = serde_json::from_str(&stdout(&add)).expect("JSON");
    let statuses: Vec<&str> = r["statements"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["recorded", "failed", "recorded"], "{r}");
    assert_eq!(r["statements"][0]["line"], 2);
    assert_eq!(r["statements"][0]["target"], "warehouse.main.mkt");
    let text = almanac(&store, &["lineage", "warehouse.main.mkt_view.email", "--direction", "up", "--depth", "3"]);
    assert_eq!(
        stdout(&text),
        "warehouse.main.mkt_view.email\nupstream:\n  warehouse.main.mkt.email [identity, sql]\n    warehouse.main.customers.email [transformed, sql]\n",
        "{}",
        stdout(&text)
    );
    let missing = almanac(&store, &["lineage", "add-sql", "/nonexistent/etl.sql", "--source", "warehouse"]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("cannot read /nonexistent/etl.sql"), "{}", stderr(&missing));

    // Personal data reaches the declared table and the views through lineage.
    let pii = almanac(&store, &["pii", "warehouse", "--format", "json"]);
    assert!(pii.status.success(), "{}", stderr(&pii));
    let rows: Value = serde_json::from_str(&stdout(&pii)).expect("JSON");
    let propagated: Vec<&Value> = rows.as_array().unwrap().iter().filter(|r| r["propagated"] == true).collect();
    let mkt =
        propagated.iter().find(|r| r["dataset"] == "warehouse.main.mkt_view" && r["column"] == "email").expect("mkt_view.email propagated");
    assert_eq!(mkt["category"], "user.contact.email");
    assert_eq!(mkt["from"], "warehouse.main.customers.email");
    assert_eq!(mkt["path"], json!(["warehouse.main.customers.email", "warehouse.main.mkt.email", "warehouse.main.mkt_view.email"]));
    assert!(rows.as_array().unwrap().iter().filter(|r| r["propagated"] == false).all(|r| r["status"] != "propagated"));
    // The aggregate count does not carry the category.
    assert!(!propagated.iter().any(|r| r["dataset"] == "warehouse.main.mkt" && r["column"] == "n"));
}
